"use client";
// Sign-In with Ethereum to the records gateway: the session is an HttpOnly cookie the gateway sets, so the page only
// asks whether one exists (for the connected account) and, on request, signs a fresh EIP-4361 message.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Address } from "viem";
import { useConnection, useSignMessage } from "wagmi";
import { gateway, type GatewaySession } from "@/app/_lib/gatewayClient";
import { gatewaySignInMessage } from "@/app/_lib/gatewaySignInMessage";
import { sharedInFlight } from "@/app/_lib/sharedInFlight";

export const gatewaySessionKey = ["gatewaySession"] as const;

// A section that needs the session while another section's sign-in is still being verified waits for that one.
const sharedSignIn = sharedInFlight<GatewaySession>();

export function useGatewaySession() {
  const { address } = useConnection();
  const { mutateAsync: signMessage } = useSignMessage();
  const queryClient = useQueryClient();

  const session = useQuery({
    queryKey: gatewaySessionKey,
    queryFn: () => gateway.session(),
    staleTime: 60_000,
  });
  // A session of another account (the wallet switched accounts) is no session for this one.
  const current: GatewaySession | null =
    session.data && address && session.data.address.toLowerCase() === address.toLowerCase() ? session.data : null;

  async function signInAs(address: Address): Promise<GatewaySession> {
    const message = await gatewaySignInMessage(address);
    const signature = await signMessage({ account: address, message });
    return gateway.verify(message, signature);
  }

  const signIn = useMutation({
    mutationFn: async (): Promise<GatewaySession> => {
      if (!address) throw new Error("Connect your wallet first.");
      return sharedSignIn(address, () => signInAs(address));
    },
    onSuccess: (signedIn) => {
      queryClient.setQueryData(gatewaySessionKey, signedIn);
      // Whatever was refused for want of a session may now be read.
      void queryClient.invalidateQueries({
        predicate: (q) => q.queryKey[0] !== gatewaySessionKey[0] && q.queryKey[0] === "gateway",
      });
    },
  });

  const signOut = useMutation({
    mutationFn: () => gateway.logout(),
    onSuccess: () => queryClient.setQueryData(gatewaySessionKey, null),
  });

  /** The session, signing in first (one wallet signature) when there is none. */
  async function ensureSession(): Promise<GatewaySession> {
    return current ?? signIn.mutateAsync();
  }

  return {
    session: current,
    signedIn: current !== null,
    checking: session.isPending,
    /** A 401 from a later request: the server forgot the session; ask again. */
    forget: () => queryClient.setQueryData(gatewaySessionKey, null),
    signIn,
    signOut,
    ensureSession,
  };
}
