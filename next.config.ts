import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The end-to-end suite builds into its own folder, so it never overwrites a developer's build.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // The gateway's database drivers load as plain Node packages (PGlite ships WebAssembly and data files that the
  // bundler must not touch; pg has optional native bindings).
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
};

export default nextConfig;
