import type { ReactNode } from 'react';

/** One option of a wizard choice: a radio button with its label (and a description, when there is one). */
export function RadioChoice({
  id,
  name,
  value,
  checked,
  disabled,
  describedBy,
  onChange,
  label,
  children,
}: {
  id: string;
  name: string;
  value?: string;
  checked: boolean;
  disabled?: boolean;
  describedBy?: string;
  onChange: () => void;
  label: ReactNode;
  /** Shown under the label, e.g. the description `describedBy` points at. */
  children?: ReactNode;
}) {
  return (
    <div className="choice">
      <input
        type="radio"
        id={id}
        name={name}
        value={value}
        checked={checked}
        disabled={disabled}
        onChange={onChange}
        aria-describedby={describedBy}
      />
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}
