// A confirmation dialog for consequential actions (approve, reject, pay, claw back): the native <dialog>, modal, so
// focus is trapped and Escape cancels; the action runs only on an explicit confirm, with an optional reason.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';

export interface ConfirmProps {
  title: string;
  children?: ReactNode;
  /** When set, a reason text box is shown; required when `reason_required`. */
  reason_label?: string;
  reason_required?: boolean;
  confirm_label: string;
  danger?: boolean;
  onConfirm(reason: string): Promise<void> | void;
  onClose(): void;
}

export function Confirm({ title, children, reason_label, reason_required, confirm_label, danger, onConfirm, onClose }: ConfirmProps) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  const blocked = busy || (reason_required === true && reason.trim() === '');
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) =>
          void (async () => {
            e.preventDefault();
            if (blocked) return;
            setBusy(true);
            setError(null);
            try {
              await onConfirm(reason.trim());
              onClose();
            } catch (err) {
              setError((err as Error).message);
              setBusy(false);
            }
          })()
        }
      >
        <h2 id="confirm-title">{title}</h2>
        {children}
        {reason_label !== undefined && (
          <label className="field">
            <span>
              {reason_label}
              {reason_required ? ' *' : ''}
            </span>
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={2000} required={reason_required} autoFocus />
          </label>
        )}
        {error !== null && (
          <div className="error-box" role="alert">
            {error}
          </div>
        )}
        <div className="actions">
          <button type="button" onClick={onClose} disabled={busy}>
            {t('action.cancel')}
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={blocked} data-testid="confirm-button">
            {confirm_label}
          </button>
        </div>
      </form>
    </dialog>
  );
}
