// Small display helpers shared by the portal's pages.
export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** "24 Dec 2026" */
export const formatDate = (seconds: number) =>
  new Date(seconds * 1000).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
