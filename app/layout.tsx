import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import { cookieToInitialState } from "wagmi";
import { ConnectMenu } from "./_components/ConnectMenu";
import { NetworkGuard } from "./_components/NetworkGuard";
import { getConfig } from "./_lib/wagmi";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: "MedConsent",
  description: "Decide who may see your medical records, for what, and until when.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Restores the wallet connection from its cookie, so the page does not flash "disconnected".
  const initialState = cookieToInitialState(getConfig(), (await headers()).get("cookie"));
  return (
    <html lang="en">
      <body>
        <Providers initialState={initialState}>
          <header className="site-header">
            <Link className="brand" href="/">
              MedConsent
            </Link>
            <nav aria-label="Main">
              <Link href="/patient">Patient</Link>
              <Link href="/provider">Provider</Link>
              <Link href="/registrar">Registrar</Link>
            </nav>
            <ConnectMenu />
          </header>
          <NetworkGuard />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
