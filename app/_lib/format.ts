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

/** "24 Dec 2026, 14:05 UTC" */
export const formatDateTime = (seconds: number) =>
  `${formatDate(seconds)}, ${new Date(seconds * 1000).toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  })} UTC`;
