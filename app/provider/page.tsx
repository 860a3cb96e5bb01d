export default function Page() {
  return <h1>Provider</h1>;
}
