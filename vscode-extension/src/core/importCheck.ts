// "Does this interpreter have graftlab?" asked once per interpreter, not once per opened
// document: a missing graftlab would otherwise start one Python process per file. Pure; the
// runner is injected.

export class ImportCheck<R> {
  private readonly results = new Map<string, Promise<R>>();

  constructor(private readonly runner: (python: string) => Promise<R>) {}

  /** The (cached) result for `python`; concurrent callers share one process. */
  check(python: string): Promise<R> {
    let result = this.results.get(python);
    if (!result) {
      result = this.runner(python);
      this.results.set(python, result);
    }
    return result;
  }

  /** Ask again (the user installed graftlab, or chose "Restart"). */
  forget(python?: string): void {
    if (python === undefined) this.results.clear();
    else this.results.delete(python);
  }
}
