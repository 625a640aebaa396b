/**
 * The GitHub side of `npm run bench:github`, in its own process so its memory and CPU are not
 * the measured Marina process's: a simulated organization of REPOS repositories, each with
 * PULLS open pull requests, ISSUES open issues and one workflow with RUNS runs, built on
 * demand (lazy collections). Prints `url <url>`; answers IPC 'stats' with the simulator's
 * figures and 'reset' by zeroing them.
 */
import { Collection, startGithubSimulator } from '../test/support/github-simulator/index.js';

const [repos = 2000, pulls = 40, issues = 40, runs = 20] = process.argv.slice(2).map(Number);
const simulator = await startGithubSimulator({ tokens: ['ghp_bench'], limits: { core: 10_000_000, graphql: 10_000_000 }, maxConcurrent: 200 });
const { world } = simulator;
world.addOrg('bench-org');
for (let r = 0; r < repos; r++) {
  const repo = world.addRepo('bench-org', `repo-${String(r).padStart(4, '0')}`);
  repo.pulls = Collection.lazy(pulls, (index) => world.buildPull(repo, index + 1));
  repo.issues = Collection.lazy(issues, (index) => world.buildIssue(repo, 1000 + index));
  const workflow = world.buildWorkflow(repo, 10_000_000 + r, 'ci.yml');
  world.addWorkflow(repo, workflow);
  repo.runs.set(workflow['id'], Collection.lazy(runs, (index) => world.buildRun(repo, workflow, 100_000_000 + r * 1000 + index)));
}
process.on('message', (message) => {
  if (message === 'stats') process.send?.(simulator.stats());
  else if (message === 'reset') {
    simulator.resetStats();
    process.send?.('reset');
  } else if (message === 'stop') void simulator.close().then(() => process.exit(0));
});
process.stdout.write(`url ${simulator.apiUrl}\n`);
