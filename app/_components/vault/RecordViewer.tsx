"use client";
// A decrypted record on screen: images and PDFs from an object URL, JSON (e.g. FHIR) pretty-printed, anything else
// offered for download; always with "Save". The object URL lives only while the viewer is shown.
import { useEffect, useMemo, useState } from "react";
import type { RecordFile } from "../../_lib/vault";

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

/** JSON with two-space indentation; the text itself when it does not parse. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function RecordViewer({ file, title }: { file: RecordFile; title: string }) {
  const [url, setUrl] = useState<string>();
  const shape = shapeOf(file);
  useEffect(() => {
    const objectUrl = URL.createObjectURL(
      new Blob([new Uint8Array(file.bytes)], { type: file.type || "application/octet-stream" }),
    );
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);
  const text = useMemo(
    () => (shape === "json" || shape === "text" ? new TextDecoder().decode(file.bytes) : undefined),
    [file, shape],
  );

  return (
    <figure className="record-viewer" data-testid="record-viewer">
      <figcaption>
        <strong>{file.name}</strong> <span className="muted">({file.type || "unknown type"})</span>{" "}
        {url ? (
          <a className="button-link" href={url} download={file.name}>
            Save<span className="visually-hidden"> {file.name}</span>
          </a>
        ) : null}
      </figcaption>
      {shape === "image" && url ? <img src={url} alt={title} className="record-image" /> : null}
      {shape === "pdf" && url ? <iframe src={url} title={title} className="record-pdf" /> : null}
      {shape === "json" && text !== undefined ? <pre className="record-text">{prettyJson(text)}</pre> : null}
      {shape === "text" && text !== undefined ? <pre className="record-text">{text}</pre> : null}
      {shape === "other" ? <p>This kind of file cannot be shown here: save it to open it.</p> : null}
    </figure>
  );
}
