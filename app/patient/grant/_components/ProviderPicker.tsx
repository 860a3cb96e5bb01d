"use client";
// Choose a provider from the registry: search by name; kind and status shown; suspended providers cannot be chosen.
import { useId, useState } from "react";
import { shortAddress } from "@/lib/format";
import { filterProviders, type ProviderInfo } from "@/lib/providers";

export function ProviderPicker({
  providers,
  value,
  onChange,
  error,
  disabled,
}: {
  providers: ProviderInfo[];
  value: string;
  onChange: (address: string) => void;
  error?: string;
  disabled?: boolean;
}) {
  const [search, setSearch] = useState("");
  const id = useId();
  const shown = filterProviders(providers, search);
  return (
    <fieldset className="grant-fieldset" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Who should get access?</legend>
      <label className="grant-search" htmlFor={`${id}-search`}>
        Search providers by name
        <input
          id={`${id}-search`}
          type="search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="e.g. Northside"
          disabled={disabled}
        />
      </label>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
      {shown.length === 0 ? (
        <p className="muted">No registered provider matches “{search}”.</p>
      ) : (
        <ul className="provider-options">
          {shown.map((provider) => {
            const suspended = provider.status !== "active";
            return (
              <li key={provider.address}>
                <label className={`provider-option${suspended ? " provider-option-unavailable" : ""}`}>
                  <input
                    type="radio"
                    name={`${id}-provider`}
                    value={provider.address}
                    checked={value.toLowerCase() === provider.address.toLowerCase()}
                    onChange={() => onChange(provider.address)}
                    disabled={disabled || suspended}
                  />
                  <span>
                    <strong>{provider.name}</strong>{" "}
                    <span className="muted">
                      {provider.kindName}
                      {provider.emergencyCapable ? ", emergency care" : ""}
                    </span>{" "}
                    <span className={`state state-provider-${provider.status}`}>{provider.status}</span>
                    <br />
                    <span className="mono muted" title={provider.address}>
                      {shortAddress(provider.address)}
                    </span>
                    {suspended ? (
                      <span className="muted"> — suspended by its registrar, so it cannot receive access now.</span>
                    ) : null}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
}
