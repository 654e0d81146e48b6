/** A sync or health code with a shape and colour of its own (never colour alone: the word is shown). */
export function StateBadge({ code, title }: { code: string; title?: string }) {
  return (
    <span className={`badge state-${code}`} title={title}>
      {code}
    </span>
  );
}
