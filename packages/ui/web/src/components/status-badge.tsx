// A run's status as a coloured badge (RUNNING pulses, so a live run stands out in the table).
export function StatusBadge({ status, deleted }: { status: string; deleted?: boolean }) {
  return (
    <span class={`status status-${status.toLowerCase()}`} title={status}>
      {status.toLowerCase()}
      {deleted ? ' · deleted' : ''}
    </span>
  );
}
