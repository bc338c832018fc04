import { EffectiveAccessEntry } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import { AccessView } from './access-view';

function entry(cluster: string, role: string, namespaces: string[], grantId = randomUUID()): EffectiveAccessEntry {
  return { grantId, cluster: { id: randomUUID(), name: cluster, displayName: cluster }, role: { name: role, builtIn: true, rules: [] }, namespaces };
}

describe(AccessView.name, () => {
  it('allows exactly the clusters some grant reaches', () => {
    const sut = new AccessView([entry('dev', 'edit', ['shop']), entry('staging', 'view', [])]);

    expect(['dev', 'staging', 'prod'].map((cluster) => sut.allows(cluster))).toEqual([true, true, false]);
  });

  it('covers a namespace with cluster-wide grants and with the grants limited to it', () => {
    const wide = entry('dev', 'view', []);
    const shop = entry('dev', 'edit', ['shop', 'cart']);
    const sut = new AccessView([wide, shop, entry('prod', 'admin', [])]);

    expect(sut.coverage('dev', 'shop').size).toBe(2);
    expect(sut.coverage('dev', 'billing').size).toBe(1);
    expect(sut.coverage('dev', '').size).toBe(1);
    expect(sut.coverage('qa', 'shop').size).toBe(0);
  });

  describe('stillCovers', () => {
    const shop = entry('dev', 'edit', ['shop']);
    const view = entry('dev', 'view', []);
    const before = new AccessView([shop, view]);
    const openedInShop = before.coverage('dev', 'shop');

    it('keeps a stream while every grant it started under still covers it', () => {
      const sut = new AccessView([shop, view, entry('prod', 'view', [])]);

      expect(sut.stillCovers('dev', 'shop', openedInShop)).toBe(true);
    });

    it('ends a stream when a grant it started under is removed, even if another still reaches the namespace', () => {
      const sut = new AccessView([view]);

      expect(sut.stillCovers('dev', 'shop', openedInShop)).toBe(false);
    });

    it('ends a stream when the role of its grant changes', () => {
      const sut = new AccessView([{ ...shop, role: { ...shop.role, name: 'view' } }, view]);

      expect(sut.stillCovers('dev', 'shop', openedInShop)).toBe(false);
    });

    it('ends a stream when its grant no longer reaches its namespace', () => {
      const sut = new AccessView([{ ...shop, namespaces: ['cart'] }, view]);

      expect(sut.stillCovers('dev', 'shop', openedInShop)).toBe(false);
    });

    it('ends every stream on a cluster no grant reaches any more, even one no grant covered', () => {
      const sut = new AccessView([entry('prod', 'view', [])]);

      expect(sut.stillCovers('dev', '', new Set())).toBe(false);
    });
  });
});
