export interface TestPostgres {
  url: string;
  port: number;
  dir: string;
  start(): void;
  stop(): void;
  kill(): void;
  restart(): void;
  destroy(): void;
}
export function findPgBin(): string;
export function freePort(): Promise<number>;
export function startPostgres(opts?: { port?: number }): Promise<TestPostgres>;
