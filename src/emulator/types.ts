/** The shapes the emulator stores. They mirror Port's JSON so they serialise as they are. */

export interface PropertySchema {
  type: 'string' | 'number' | 'boolean' | 'object' | 'array';
  format?: string;
  enum?: unknown[];
  items?: { type?: string; format?: string; enum?: unknown[] } & Record<string, unknown>;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  [key: string]: unknown;
}

export interface RelationSchema {
  target: string;
  required: boolean;
  many: boolean;
  title?: string;
  description?: string;
  [key: string]: unknown;
}

export interface Blueprint {
  identifier: string;
  title: string;
  description?: string;
  icon?: string;
  schema: { properties: Record<string, PropertySchema>; required?: string[] };
  relations: Record<string, RelationSchema>;
  mirrorProperties: Record<string, unknown>;
  calculationProperties: Record<string, unknown>;
  aggregationProperties: Record<string, unknown>;
  ownership?: unknown;
  teamInheritance?: unknown;
  changelogDestination?: unknown;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export type RelationValue = string | string[] | null;

export interface StoredEntity {
  identifier: string;
  blueprint: string;
  title?: string;
  icon?: string;
  team: string[];
  properties: Record<string, unknown>;
  relations: Record<string, RelationValue>;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
  /** The User-Agent of the last write, which Port calls the entity's datasource. */
  datasource: string;
}

export type Integration = Record<string, unknown> & { identifier: string; installationId: string };
