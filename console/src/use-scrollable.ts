import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/** The sizes of a box and of what it holds, as an element reports them. */
export interface ScrollBox {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
}

/** Whether the content is wider or taller than the box that clips it, so there is something to scroll to. */
export function isScrollable(box: ScrollBox): boolean {
  return box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
}

/**
 * A scroll region needs a tab stop only when it scrolls: keyboard users can then reach what is
 * clipped, and are not made to stop on a table that fits. The returned ref goes on the clipping
 * element; the flag is true while its content overflows.
 */
export function useScrollable<E extends HTMLElement>(): [RefObject<E | null>, boolean] {
  const ref = useRef<E>(null);
  const [scrollable, setScrollable] = useState(false);
  // New rows or longer values arrive with a render: measure after each one.
  useLayoutEffect(() => {
    if (ref.current) setScrollable(isScrollable(ref.current));
  });
  // A narrower window or a rotated phone changes the sizes without a render.
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => setScrollable(isScrollable(element)));
    observer.observe(element);
    for (const child of element.children) observer.observe(child);
    return () => observer.disconnect();
  }, []);
  return [ref, scrollable];
}
