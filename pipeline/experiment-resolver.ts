/**
 * Resolves the experiment of each resource group of a request (experiment-routing.ts says which), creating
 * experiments by name on first use, and enforces an API key's experiment restriction — before creating anything,
 * so a restricted key cannot create experiments it may not write to.
 */

import { cleanString } from '../mapper/sanitize.js';
import type { Attributes } from '../otlp/model.js';
import { refusal } from '../store/column-bounds.js';
import type { Experiments } from '../store/experiments.js';
import type { ExportContext } from './context.js';
import { chooseExperiment } from './experiment-routing.js';
import { type ExportResult, failed } from './result.js';

export class ExperimentResolver {
  constructor(private readonly experiments: Experiments) {}

  /** Experiment id per resource index, or the error that stops the whole request. Store errors are thrown. */
  async resolve(
    resources: Attributes[],
    ctx: ExportContext,
  ): Promise<{ ids: Map<number, string> } | { error: ExportResult }> {
    const ids = new Map<number, string>();
    const allowed = ctx.allowedExperiments;
    for (const [i, resource] of resources.entries()) {
      const choice = chooseExperiment(ctx, resource);
      if ('byName' in choice) {
        // Names are text columns: cleaned like every other text (U+0000 and lone surrogates → U+FFFD).
        const name = cleanString(choice.byName);
        // Unique, so b-tree indexed: a name too long for the index is refused, naming where it came from.
        const tooLong = refusal('experiments', 'name', name, `experiment name (${choice.from})`);
        if (tooLong) return { error: failed('VALUE_TOO_LONG', tooLong) };
        if (allowed && !allowed.has(name)) return { error: denied(name) };
        ids.set(i, await this.experiments.idForName(name));
        continue;
      }
      const name = await this.experiments.nameForId(choice.byId);
      if (name === null) {
        return {
          error: failed(
            'EXPERIMENT_NOT_FOUND',
            `experiment id ${JSON.stringify(choice.byId)} does not exist`,
          ),
        };
      }
      if (allowed && !allowed.has(name)) return { error: denied(name) };
      ids.set(i, choice.byId);
    }
    return { ids };
  }
}

function denied(experiment: string): ExportResult {
  return failed(
    'PERMISSION_DENIED',
    `this API key may not write to experiment ${JSON.stringify(experiment)}`,
  );
}
