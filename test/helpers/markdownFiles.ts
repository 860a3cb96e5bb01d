// The project's documentation as the docs tests read it: the README and every markdown file under docs/.
import { readdirSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "@/harness/localNode";

/** README.md and every markdown file under docs/, relative to the repository (posix separators). */
export function markdownFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return docs(relative);
      return entry.name.endsWith(".md") ? [relative] : [];
    });
  return ["README.md", ...docs("docs")];
}
