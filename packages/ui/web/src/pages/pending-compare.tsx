// Stands in for the compare view until the charts branch (which owns `pages/compare*`) is merged:
// it lists the chosen runs with links, so the table's "Compare" button leads somewhere useful.
export function ComparePage({ runIds }: { runIds: string[] }) {
  return (
    <main class="page">
      <h1>Compare {runIds.length} runs</h1>
      <ul>
        {runIds.map((id) => (
          <li key={id}>
            <a href={`#/runs/${id}`}>{id}</a>
          </li>
        ))}
      </ul>
    </main>
  );
}
