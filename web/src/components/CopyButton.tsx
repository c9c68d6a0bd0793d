import { useEffect, useRef, useState } from 'react';
import { Check, Copy } from 'lucide-react';
import { announce } from './announce';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for browsers without the async clipboard (or without permission).
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

interface CopyButtonProps {
  text: string;
  /** The accessible name, e.g. "Copy TXT record value". */
  label: string;
  /** Visible text; defaults to "Copy". */
  children?: string;
  compact?: boolean;
}

export function CopyButton({ text, label, children = 'Copy', compact = false }: CopyButtonProps) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <button
      type="button"
      className={`button button-secondary ${compact ? 'button-small' : ''}`}
      aria-label={label}
      title={label}
      onClick={async () => {
        const ok = await copyText(text);
        setCopied(ok);
        announce(ok ? 'Copied to clipboard' : 'Could not copy; select the text and copy it');
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => setCopied(null), 2000);
      }}
    >
      {copied ? <Check aria-hidden="true" size={16} /> : <Copy aria-hidden="true" size={16} />}
      <span>{copied === null ? children : copied ? 'Copied' : 'Copy failed'}</span>
    </button>
  );
}
