// Progress of a long operation: a determinate bar when the work can be counted (records sent of a file), otherwise an
// indeterminate one with the seconds elapsed, so a person waiting knows it is still going.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';

export function Progress({ label, done, total }: { label: string; done?: number; total?: number }) {
  const { t, int } = useI18n();
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const determinate = done !== undefined && total !== undefined && total > 0;
  const percent = determinate ? Math.min(100, Math.floor((done * 100) / total)) : null;
  return (
    <div className="progress" role="status" aria-live="polite" data-testid="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span>{determinate ? `${int(done)} / ${int(total)} (${percent}%)` : t('progress.elapsed', { s: ((now - started) / 1000).toFixed(1) })}</span>
      </div>
      <div
        className={determinate ? 'progress-track' : 'progress-track indeterminate'}
        role="progressbar"
        aria-label={label}
        {...(determinate ? { 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done } : {})}
      >
        <div className="progress-fill" style={determinate ? { width: `${percent}%` } : undefined} />
      </div>
    </div>
  );
}
