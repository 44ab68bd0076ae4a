// A run's overview: status, times, duration, user, source, git commit, parent and children.
import { searchRuns } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';
import { formatDuration, formatTime, runDuration } from '../../components/format.js';
import { KeyValueTable, type Row } from '../../components/key-value-table.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useAsync } from '../../components/use-async.js';
import { href } from '../../router.js';
import { PARENT_TAG, tag } from './run-tags.js';

function RunLink({ id, name }: { id: string; name?: string }) {
  return <a href={href(['runs', id])}>{name || id}</a>;
}

export function RunOverview({ run }: { run: Run }) {
  const { info } = run;
  const parent = tag(run, PARENT_TAG);
  const children = useAsync(
    () =>
      searchRuns({
        experimentIds: [info.experiment_id],
        filter: `tags.\`${PARENT_TAG}\` = '${info.run_id}'`,
        maxResults: 100,
      }),
    [info.run_id],
  );
  const commit = tag(run, 'mlflow.source.git.commit');
  const branch = tag(run, 'mlflow.source.git.branch');
  const repo = tag(run, 'mlflow.source.git.repoURL');
  const rows: Row[] = [
    { key: 'Status', value: <StatusBadge status={info.status} deleted={info.lifecycle_stage === 'deleted'} />, text: info.status },
    { key: 'Run ID', value: <code>{info.run_id}</code>, text: info.run_id },
    { key: 'Experiment', value: <a href={href(['experiments', info.experiment_id])}>{info.experiment_id}</a>, text: info.experiment_id },
    { key: 'Started', value: formatTime(info.start_time) },
    { key: 'Ended', value: formatTime(info.end_time) || (info.status === 'RUNNING' ? '(running)' : '') },
    { key: 'Duration', value: formatDuration(runDuration(info)) },
    { key: 'User', value: tag(run, 'mlflow.user') ?? info.user_id ?? '' },
    { key: 'Source', value: [tag(run, 'mlflow.source.type'), tag(run, 'mlflow.source.name')].filter(Boolean).join(' · ') },
  ];
  if (commit) {
    rows.push({
      key: 'Git commit',
      value: (
        <span>
          <code>{commit.slice(0, 12)}</code>
          {branch ? ` on ${branch}` : ''}
          {repo ? <span class="muted"> · {repo}</span> : null}
          {tag(run, 'mlflow.source.git.dirty') === 'true' ? <span class="badge">dirty</span> : null}
        </span>
      ),
      text: commit,
    });
  }
  if (parent) rows.push({ key: 'Parent run', value: <RunLink id={parent} />, text: parent });
  const kids = children.data?.runs ?? [];
  if (kids.length > 0) {
    rows.push({
      key: `Child runs (${kids.length}${children.data?.nextPageToken ? '+' : ''})`,
      value: (
        <span class="link-list">
          {kids.map((k) => (
            <RunLink key={k.info.run_id} id={k.info.run_id} name={k.info.run_name} />
          ))}
        </span>
      ),
      text: kids.map((k) => k.info.run_name).join(' '),
    });
  }
  rows.push({ key: 'Artifact URI', value: <code class="wrap">{info.artifact_uri}</code>, text: info.artifact_uri ?? '' });
  return <KeyValueTable rows={rows} label="Overview" />;
}
