import type { ResyncHandler } from '../../../src/sdk/index.js';
import type { KindContext } from './context.js';
import { fileKind, folderKind, pluginKind, skillKind } from './file-kinds.js';
import { organizationKind, teamKind, userKind } from './organization-kinds.js';
import {
  branchKind,
  codeScanningAlertKind,
  collaboratorKind,
  dependabotAlertKind,
  deploymentKind,
  deploymentStatusKind,
  environmentKind,
  issueKind,
  pullRequestKind,
  releaseKind,
  repositoryKind,
  tagKind,
  workflowKind,
  workflowRunKind,
} from './repository-kinds.js';

/** The 21 kinds of Ocean's GitHub integration, in the spec's order. */
export const GITHUB_KINDS = [
  'organization',
  'repository',
  'folder',
  'user',
  'team',
  'workflow',
  'workflow-run',
  'pull-request',
  'issue',
  'release',
  'tag',
  'branch',
  'environment',
  'deployment',
  'deployment-status',
  'dependabot-alert',
  'code-scanning-alerts',
  'file',
  'skill',
  'plugin',
  'collaborator',
] as const;

export type GithubKind = (typeof GITHUB_KINDS)[number];

export function createResyncHandlers(context: KindContext): Record<GithubKind, ResyncHandler> {
  return {
    organization: organizationKind(context),
    repository: repositoryKind(context),
    folder: folderKind(context),
    user: userKind(context),
    team: teamKind(context),
    workflow: workflowKind(context),
    'workflow-run': workflowRunKind(context),
    'pull-request': pullRequestKind(context),
    issue: issueKind(context),
    release: releaseKind(context),
    tag: tagKind(context),
    branch: branchKind(context),
    environment: environmentKind(context),
    deployment: deploymentKind(context),
    'deployment-status': deploymentStatusKind(context),
    'dependabot-alert': dependabotAlertKind(context),
    'code-scanning-alerts': codeScanningAlertKind(context),
    file: fileKind(context),
    skill: skillKind(context),
    plugin: pluginKind(context),
    collaborator: collaboratorKind(context),
  };
}
