export interface ShutdownReport {
  failures: Array<{ step: string; error: Error }>;
}

/**
 * The things a command started, closed in the reverse order of their start: each step runs even
 * when an earlier one failed (the database must stop even if closing the runtime threw).
 */
export class ShutdownSteps {
  private readonly steps: Array<{ name: string; close: () => Promise<void> }> = [];

  add(name: string, close: () => Promise<void>): void {
    this.steps.push({ name, close });
  }

  async closeAll(onStep?: (name: string, ms: number) => void): Promise<ShutdownReport> {
    const failures: ShutdownReport['failures'] = [];
    for (const step of this.steps.splice(0).reverse()) {
      const started = Date.now();
      try {
        await step.close();
      } catch (error) {
        failures.push({ step: step.name, error: error as Error });
      }
      onStep?.(step.name, Date.now() - started);
    }
    return { failures };
  }
}
