// Attune's local storage: every key is scoped to one exercise and one user, because two
// people may share a phone. Blocked or full storage never breaks the screen.

/** A JSON store whose keys all start with ``prefix``; ``backend`` is localStorage-like. */
export function scopedStore(prefix, backend = globalThis.localStorage) {
  return {
    get(name, fallback) {
      try {
        const raw = backend.getItem(prefix + name);
        return raw === null ? fallback : JSON.parse(raw);
      } catch { return fallback; }
    },
    set(name, value) {
      try { backend.setItem(prefix + name, JSON.stringify(value)); } catch { /* full or blocked */ }
    },
    del(name) {
      try { backend.removeItem(prefix + name); } catch { /* blocked */ }
    },
  };
}

/** The prefix of one user's keys for one exercise. */
export const exercisePrefix = (exerciseId, userId) => `attune:ex:${exerciseId}:u${userId}:`;
