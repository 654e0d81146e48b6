import { useEffect, useState } from 'react';

/** The time, renewed every `everyMs` (default 30 s), for "5 min ago" texts that keep up. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
