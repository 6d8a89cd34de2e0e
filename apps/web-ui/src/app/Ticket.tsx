import { useEffect } from 'react';
import { stepText } from '../lib/decimal.js';
import { useStore } from './App.js';
import { store, type TicketState } from './store.js';

function isTypingElsewhere(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('.ticket') !== null) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Keyboard: B/S side, Enter submit, Esc clear, arrows step the focused field (else price; Shift: quantity). */
function useTicketKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTypingElsewhere(e.target) || store.username === undefined)
        return;
      const inst = store.instrument;
      if (inst === undefined) return;
      const t = store.ticket;
      const inTextField = e.target instanceof HTMLInputElement && e.target.type === 'text';
      if (!inTextField && (e.key === 'b' || e.key === 'B')) store.setTicket({ side: 'buy' });
      else if (!inTextField && (e.key === 's' || e.key === 'S')) store.setTicket({ side: 'sell' });
      else if (e.key === 'Escape') clearTicket();
      else if (e.key === 'Enter') {
        // Inside the ticket the form submits by itself; on a button Enter means click.
        if (
          e.target instanceof HTMLElement &&
          (e.target.closest('form.ticket') !== null || e.target.tagName === 'BUTTON')
        )
          return;
        store.placeOrder();
      } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
        const dir = e.key === 'ArrowUp' ? 1 : -1;
        // In the Quantity field arrows step the quantity; elsewhere the price (Shift: quantity).
        const inQuantity = e.target instanceof HTMLInputElement && e.target.id === 'ticket-quantity';
        const inStop = e.target instanceof HTMLInputElement && e.target.id === 'ticket-stopprice';
        if (e.shiftKey || inQuantity)
          store.setTicket({ quantity: stepText(t.quantity, inst.lotSize, dir, 1) });
        else if (inStop) store.setTicket({ stopPx: stepText(t.stopPx, inst.tickSize, dir, 1) });
        else store.setTicket({ price: stepText(t.price, inst.tickSize, dir, 1) });
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function clearTicket(): void {
  store.ticketErrors = {};
  store.setTicket({ price: '', stopPx: '', quantity: '', postOnly: false });
}

function Stepper(props: {
  label: string;
  value: string;
  step: string;
  error: string | undefined;
  disabled?: boolean;
  onChange: (v: string) => void;
}) {
  const id = `ticket-${props.label.toLowerCase().replace(/\W/g, '')}`;
  return (
    <div className={`field ${props.error === undefined ? '' : 'invalid'}`}>
      <label htmlFor={id}>{props.label}</label>
      <div className="stepper">
        <button
          type="button"
          aria-label={`${props.label} down`}
          tabIndex={-1}
          disabled={props.disabled}
          onClick={() => props.onChange(stepText(props.value, props.step, -1, 1))}
        >
          −
        </button>
        <input
          id={id}
          type="text"
          inputMode="decimal"
          className="num"
          autoComplete="off"
          value={props.value}
          disabled={props.disabled}
          aria-invalid={props.error !== undefined}
          aria-describedby={props.error === undefined ? undefined : `${id}-error`}
          onChange={(e) => props.onChange(e.target.value)}
        />
        <button
          type="button"
          aria-label={`${props.label} up`}
          tabIndex={-1}
          disabled={props.disabled}
          onClick={() => props.onChange(stepText(props.value, props.step, 1, 1))}
        >
          +
        </button>
      </div>
      {props.error !== undefined && (
        <div className="error" id={`${id}-error`} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function Ticket() {
  useStore();
  useTicketKeys();
  const inst = store.instrument;
  const t = store.ticket;
  const errs = store.ticketErrors;
  if (inst === undefined) return <p>No instrument</p>;
  const set = (p: Partial<TicketState>) => store.setTicket(p);
  const hasPrice = t.ordType === 'limit' || t.ordType === 'stopLimit';
  const hasStop = t.ordType === 'stop' || t.ordType === 'stopLimit';
  return (
    <form
      className="ticket"
      aria-label="Order ticket"
      onSubmit={(e) => {
        e.preventDefault();
        store.placeOrder();
      }}
    >
      <fieldset className="sides" aria-label="Side">
        <button
          type="button"
          className={`side buy ${t.side === 'buy' ? 'on' : ''}`}
          aria-pressed={t.side === 'buy'}
          onClick={() => set({ side: 'buy' })}
        >
          Buy
        </button>
        <button
          type="button"
          className={`side sell ${t.side === 'sell' ? 'on' : ''}`}
          aria-pressed={t.side === 'sell'}
          onClick={() => set({ side: 'sell' })}
        >
          Sell
        </button>
      </fieldset>
      <div className="row2">
        <label>
          Order type
          <select
            value={t.ordType}
            onChange={(e) => set({ ordType: e.target.value as TicketState['ordType'] })}
          >
            <option value="limit">Limit</option>
            <option value="market">Market</option>
            <option value="stop">Stop</option>
            <option value="stopLimit">Stop limit</option>
          </select>
        </label>
        <label>
          Time in force
          <select value={t.tif} onChange={(e) => set({ tif: e.target.value })}>
            <option value="0">Day</option>
            <option value="1">GTC</option>
            <option value="3">IOC</option>
            <option value="4">FOK</option>
          </select>
        </label>
      </div>
      {hasStop && (
        <Stepper
          label="Stop price"
          value={t.stopPx}
          step={inst.tickSize}
          error={errs.stopPx}
          onChange={(v) => set({ stopPx: v })}
        />
      )}
      <Stepper
        label="Price"
        value={t.price}
        step={inst.tickSize}
        error={errs.price}
        disabled={!hasPrice}
        onChange={(v) => set({ price: v })}
      />
      <Stepper
        label="Quantity"
        value={t.quantity}
        step={inst.lotSize}
        error={errs.quantity}
        onChange={(v) => set({ quantity: v })}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={t.postOnly}
          disabled={!hasPrice}
          onChange={(e) => set({ postOnly: e.target.checked })}
        />
        Post-only
      </label>
      <div className="grid-note num">
        tick {inst.tickSize} · lot {inst.lotSize}
      </div>
      <button type="submit" className={`submit ${t.side}`} disabled={store.fixState !== 'connected'}>
        {t.side === 'buy' ? 'Submit buy' : 'Submit sell'}
      </button>
      {errs.general !== undefined && (
        <div className="error" role="alert">
          {errs.general}
        </div>
      )}
      <p className="keys">B/S side · ↑↓ price · Shift+↑↓ qty · Enter submit · Esc clear</p>
    </form>
  );
}
