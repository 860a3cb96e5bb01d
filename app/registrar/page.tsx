export default function Page() {
  return <h1>Registrar</h1>;
}
