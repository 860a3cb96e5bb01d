import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The end-to-end suite builds into its own folder, so it never overwrites a developer's build.
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
