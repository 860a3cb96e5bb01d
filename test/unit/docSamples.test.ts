// Every TypeScript sample in the README and docs/ compiles against today's code: each ```ts or ```typescript block is
// written as a module into .data/doc-samples/ (inside the repository, so the `@/` alias and node_modules resolve as
// for any project file) and type-checked with the project's tsconfig.json. A sample not meant to compile uses another
// fence language (sh, json, solidity).
import { expect } from "chai";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { markdownFiles } from "@/test/helpers/markdownFiles";

const ROOT = path.join(__dirname, "..", "..");
const SAMPLES_DIR = path.join(ROOT, ".data", "doc-samples");
const TYPESCRIPT_FENCES = new Set(["ts", "typescript"]);

interface Sample {
  /** The markdown file, relative to the repository. */
  source: string;
  /** Line of the sample's first code line in that file (1-based). */
  line: number;
  code: string;
  file: string;
}

/** The fenced blocks of a markdown text whose info string is ts or typescript. */
function typescriptBlocks(text: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, language] = open;
    const end = lines.findIndex((line, j) => j > i && line.trimStart().startsWith(fence) && line.trim() === fence);
    const close = end < 0 ? lines.length : end;
    if (TYPESCRIPT_FENCES.has(language.toLowerCase())) {
      const code = lines
        .slice(i + 1, close)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join("\n");
      blocks.push({ line: i + 2, code });
    }
    i = close;
  }
  return blocks;
}

function writeSamples(): Sample[] {
  rmSync(SAMPLES_DIR, { recursive: true, force: true });
  mkdirSync(SAMPLES_DIR, { recursive: true });
  return markdownFiles().flatMap((source) =>
    typescriptBlocks(readFileSync(path.join(ROOT, source), "utf8")).map(({ line, code }) => {
      const file = path.join(SAMPLES_DIR, `${source.replace(/[/.]/g, "_")}_line${line}.ts`);
      // A sample without an import or export is still a module, so its names and top-level await stay its own.
      const asModule = /^\s*(import|export)\s/m.test(code) ? code : `${code}\nexport {};`;
      writeFileSync(file, `${asModule}\n`);
      return { source, line, code, file };
    }),
  );
}

/** The project's compiler options, for a type check that writes nothing. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = path.join(ROOT, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("tsconfig.json could not be read");
  return { ...parsed.options, noEmit: true, incremental: false, tsBuildInfoFile: undefined };
}

/** Each type error of the samples as "docs/x.md, sample at line n: line m of the sample: message". */
function typeErrors(samples: Sample[]): string[] {
  const program = ts.createProgram({ rootNames: samples.map((s) => s.file), options: compilerOptions() });
  const errors = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  );
  for (const sample of samples) {
    const sourceFile = program.getSourceFile(sample.file);
    if (sourceFile === undefined) throw new Error(`${sample.file} was not compiled`);
    for (const diagnostic of [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ]) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
      errors.push(`${sample.source}:${sample.line + line}: TS${diagnostic.code}: ${message}`);
    }
  }
  return errors;
}

describe("The docs' TypeScript samples", function () {
  it("finds the samples of README.md and docs/", function () {
    const sources = new Set(writeSamples().map((sample) => sample.source));
    expect([...sources]).to.include.members(["docs/client-library.md", "docs/contracts.md"]);
  });

  it("compiles every sample against today's code with the project's tsconfig", function () {
    this.timeout(180_000);
    const samples = writeSamples();
    const errors = typeErrors(samples);
    expect(
      errors,
      `Samples that do not compile (fix the sample, or fence it as another language):\n${errors.join("\n")}`,
    ).to.be.empty;
  });
});
