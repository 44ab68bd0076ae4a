// An inline error message (a failed load or a refused write), never a stack trace.
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error-box" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {message}
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  return <div class="loading" aria-live="polite">Loading{what ? ` ${what}` : ''}…</div>;
}
