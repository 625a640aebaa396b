import type { KindSelector } from '../../src/sdk/index.js';
import type { FakeOrganization } from './fake-org.js';

/** The department filter a resource block asks for, resolved to department indexes. */
export interface DepartmentFilter {
  /** `undefined` when the selector does not filter. */
  departments: ReadonlySet<number> | undefined;
  /** Identifiers in the selector that name no generated department (they match nothing). */
  unknown: string[];
}

/**
 * Reads the plugin-specific selector field `departments` (a list of department identifiers),
 * like a real plugin's query options: only records of those departments are "fetched".
 *
 * @throws TypeError naming the resource block when the field is not a list of strings.
 */
export function parseDepartmentFilter(
  selector: KindSelector,
  organization: FakeOrganization,
  where: { kind: string; resourceIndex: number },
): DepartmentFilter {
  const value = selector.departments;
  if (value === undefined || value === null) return { departments: undefined, unknown: [] };
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(
      `resources[${where.resourceIndex}] (kind ${where.kind}): selector.departments must be a list of department identifiers, got ${JSON.stringify(value)}`,
    );
  }
  const departments = new Set<number>();
  const unknown: string[] = [];
  for (const id of value as string[]) {
    const index = organization.departmentIndex(id);
    if (index === undefined) unknown.push(id);
    else departments.add(index);
  }
  return { departments, unknown };
}
