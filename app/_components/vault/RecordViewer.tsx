"use client";
// A decrypted record on screen: images and PDFs from an object URL, FHIR JSON readably (with its raw JSON a click
// away), other JSON pretty-printed, anything else offered for download; always with "Save". The object URL lives only
// while the viewer is shown.
import { useEffect, useMemo, useState } from "react";
import { readableView } from "@/lib/fhir/records";
import type { RecordFile } from "@/lib/vault";
import { FhirView } from "./FhirView";

type Shape = "image" | "pdf" | "json" | "text" | "other";

function shapeOf(file: RecordFile): Shape {
  const type = file.type.toLowerCase();
  const name = file.name.toLowerCase();
  if (type.startsWith("image/")) return "image";
  if (type === "application/pdf" || name.endsWith(".pdf")) return "pdf";
  if (type.includes("json") || name.endsWith(".json")) return "json";
  if (type.startsWith("text/")) return "text";
  return "other";
}

/** The parsed JSON, or undefined when the text is not JSON. */
function parseJson(text: string): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function RecordViewer({ file, title }: { file: RecordFile; title: string }) {
  const [url, setUrl] = useState<string>();
  const shape = shapeOf(file);
  useEffect(() => {
    const objectUrl = URL.createObjectURL(
      new Blob([new Uint8Array(file.bytes)], { type: file.type || "application/octet-stream" }),
    );
    // An object URL is an outside resource, made and revoked with the file it shows.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);
  const text = useMemo(
    () => (shape === "json" || shape === "text" ? new TextDecoder().decode(file.bytes) : undefined),
    [file, shape],
  );
  const parsed = useMemo(() => (shape === "json" && text !== undefined ? parseJson(text) : undefined), [shape, text]);
  // FHIR is recognised by its resourceType, whatever the file is called.
  const fhir = useMemo(() => (parsed ? readableView(parsed.json) : undefined), [parsed]);
  const [showRaw, setShowRaw] = useState(false);

  return (
    <figure className="record-viewer" data-testid="record-viewer">
      <figcaption>
        <strong>{file.name}</strong> <span className="muted">({file.type || "unknown type"})</span>{" "}
        {url ? (
          <a className="button-link" href={url} download={file.name}>
            Save<span className="visually-hidden"> {file.name}</span>
          </a>
        ) : null}
        {fhir ? (
          <button type="button" onClick={() => setShowRaw((shown) => !shown)}>
            {showRaw ? "Show readable view" : "Show raw JSON"}
          </button>
        ) : null}
      </figcaption>
      {/* A decrypted file in this browser's memory (a blob: URL): nothing for next/image to optimise or fetch. */}
      {/* eslint-disable-next-line @next/next/no-img-element */}
      {shape === "image" && url ? <img src={url} alt={title} className="record-image" /> : null}
      {shape === "pdf" && url ? <iframe src={url} title={title} className="record-pdf" /> : null}
      {fhir && showRaw ? <pre className="record-text">{JSON.stringify(parsed?.json, null, 2)}</pre> : null}
      {fhir && !showRaw ? <FhirView view={fhir} /> : null}
      {shape === "json" && text !== undefined && !fhir ? (
        <pre className="record-text">{parsed ? JSON.stringify(parsed.json, null, 2) : text}</pre>
      ) : null}
      {shape === "text" && text !== undefined ? <pre className="record-text">{text}</pre> : null}
      {shape === "other" ? <p>This kind of file cannot be shown here: save it to open it.</p> : null}
    </figure>
  );
}
