import { isTruthy } from '../values.js';
import { forEach, iterate, multi, single, type Builtin, type Compiled, type Vars } from '../kit.js';

/**
 * `all(generator; condition)` and `any(generator; condition)`, and `all(f)` / `any(f)`, which
 * are the same over `.[]`: jq stops at the first condition output that settles the answer, so
 * errors after it are never raised.
 */

/** `.[]` as a generator node. */
const EACH: Compiled = multi((input, _vars, emit) => iterate(input, emit));

function quantify(generator: Compiled, condition: Compiled, input: unknown, vars: Vars, settleOn: boolean): boolean {
  const settled = {};
  try {
    forEach(generator, input, vars, (x) =>
      forEach(condition, x, vars, (c) => {
        if (isTruthy(c) === settleOn) throw settled;
      }),
    );
  } catch (error) {
    if (error === settled) return settleOn;
    throw error;
  }
  return !settleOn;
}

export const QUANTIFIER_BUILTINS: Record<string, Builtin> = {
  'all/2': ([generator, condition]) => single((input, vars) => quantify(generator!, condition!, input, vars, false)),
  'any/2': ([generator, condition]) => single((input, vars) => quantify(generator!, condition!, input, vars, true)),
  'all/1': ([condition]) => single((input, vars) => quantify(EACH, condition!, input, vars, false)),
  'any/1': ([condition]) => single((input, vars) => quantify(EACH, condition!, input, vars, true)),
};
