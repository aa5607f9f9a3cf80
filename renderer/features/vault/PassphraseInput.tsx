/**
 * @module renderer/features/vault/PassphraseInput
 * A passphrase field with a show/hide toggle. The value lives in the parent's local state only
 * (never the store), and the browser is told not to remember it.
 */
import { Eye, EyeOff } from 'lucide-react';
import { useState, type ComponentProps } from 'react';
import { TextInput } from '../../app/ui/Field.js';
import ui from '../../app/ui/ui.module.css';
import v from './vault.module.css';

export function PassphraseInput({ autoComplete = 'current-password', ...rest }: Omit<ComponentProps<'input'>, 'type'>) {
  const [shown, setShown] = useState(false);
  return (
    <div className={ui.inputWrap}>
      <TextInput type={shown ? 'text' : 'password'} large className={v.passInput} autoComplete={autoComplete} {...rest} />
      <span className={ui.inputTrailing}>
        <button type="button" className={v.reveal} onClick={() => setShown(!shown)} aria-label={shown ? 'Hide passphrase' : 'Show passphrase'} aria-pressed={shown} title={shown ? 'Hide' : 'Show'}>
          {shown ? <EyeOff aria-hidden /> : <Eye aria-hidden />}
        </button>
      </span>
    </div>
  );
}
