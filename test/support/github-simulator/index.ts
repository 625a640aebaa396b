export { startGithubSimulator, type GithubSimulator, type GithubSimulatorOptions, type InjectedFailure, type SimApp, type SimulatorStats } from './server.js';
export { Collection, GithubWorld, newId, nodeId, sha, type SimMember, type SimOrg, type SimRepo, type SimTeam } from './world.js';
export { corpusDir, corpusSample, openapiDocument, openapiExample, rewrite, templateSet, type Json } from './templates.js';
