/** A step that is not built yet says what will be there; it never pretends to work. */
export function Placeholder({ title, children }: { title: string; children: string }) {
  return (
    <section className="placeholder" aria-label={title}>
      <h2>{title}</h2>
      <p>{children}</p>
      <p className="muted">This step arrives in a later version of Cluster Lab.</p>
    </section>
  );
}
