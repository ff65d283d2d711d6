/**
 * A labelled form control with its inline error from the one lab schema. The error comes from
 * the wizard's issues for `path`, so every step shows the schema's own message (field + fix).
 *
 *   <Field label="Server IP" path="server.ip" help="On the NIC's subnet"><input value=… onChange=… /></Field>
 *
 * The single child element gets the id, aria-invalid and aria-describedby it needs to be named
 * by the label and to announce the error.
 */
import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';
import { fieldError, useWizard } from '../wizard';
import './Field.css';

interface ControlProps {
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}

export interface FieldProps {
  label: ReactNode;
  /** Schema path of the value, such as `server.ip`: its issue is shown under the control. */
  path?: string;
  help?: ReactNode;
  /** An error of the caller's own, shown when the schema has none for `path`. */
  error?: string;
  className?: string;
  /** Keep the label for assistive technology only, where column headings already name the control. */
  hideLabel?: boolean;
  children: ReactElement<ControlProps>;
}

export function Field({ label, path, help, error, className, hideLabel, children }: FieldProps) {
  const { issues } = useWizard();
  const id = useId();
  const message = (path ? fieldError(issues, path) : undefined) ?? error;
  const helpId = help ? `${id}-help` : undefined;
  const errorId = message ? `${id}-error` : undefined;
  const describedBy = [errorId, helpId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', className].filter(Boolean).join(' ')} data-path={path}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      {cloneElement(children, { id, 'aria-invalid': message ? true : undefined, 'aria-describedby': describedBy })}
      {message && (
        <div className="field-error" id={errorId} role="alert">
          {message}
        </div>
      )}
      {help && (
        <div className="field-help" id={helpId}>
          {help}
        </div>
      )}
    </div>
  );
}
