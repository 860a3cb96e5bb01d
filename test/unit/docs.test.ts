// The docs cannot drift: the generated tables (docs/codes.md, docs/gas.md) are what `npm run docs:generate` produces
// from today's code, and every relative link in the README and docs/ leads to a file, and to a heading, that exists.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { markdownFiles } from "@/test/helpers/markdownFiles";

const ROOT = path.join(__dirname, "..", "..");

/** Markdown without its fenced code blocks and inline code, where a link is only text. */
function withoutCode(text: string): string {
  return text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCode(text.replace(/`([^`\n]*)`/g, "$1")).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

/** Every relative link target of a markdown text: [text](target) and ![alt](target). */
function relativeLinks(text: string): string[] {
  return [...withoutCode(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("The docs", function () {
  it("are what npm run docs:generate produces from today's code (the code tables and the gas tables)", async function () {
    this.timeout(180_000);
    const env: NodeJS.ProcessEnv = { ...process.env, DOCS_CHECK: "1" };
    delete env.HARDHAT_NETWORK;
    const hardhat = path.join(ROOT, "node_modules", ".bin", "hardhat");
    const args = ["run", "--no-compile", "--network", "hardhat", "scripts/docs/generate.ts"];
    try {
      await promisify(execFile)(hardhat, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      expect.fail(`The generated docs are out of date: run npm run docs:generate.\n${stderr ?? ""}${stdout ?? ""}`);
    }
  });

  it("link only to files and headings that exist", function () {
    const broken: string[] = [];
    let links = 0;
    for (const file of markdownFiles()) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const target of relativeLinks(text)) {
        links++;
        const [pathPart, anchor] = target.split("#", 2);
        const linked =
          pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
        const absolute = path.join(ROOT, decodeURIComponent(linked));
        if (linked.startsWith("..") || !existsSync(absolute)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined || !linked.endsWith(".md") || statSync(absolute).isDirectory()) continue;
        if (!headingAnchors(readFileSync(absolute, "utf8")).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading in ${linked})`);
        }
      }
    }
    expect(links).to.be.greaterThan(20);
    expect(broken, `Broken links:\n${broken.join("\n")}`).to.be.empty;
  });
});
