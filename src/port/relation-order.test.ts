import { orderByRelations } from './relation-order.js';

const e = (identifier: string, ...targets: string[]) => ({ identifier, blueprint: 'b', relations: { rel: targets } });
const flat = (order: { layers: { identifier: unknown }[][]; cyclic: { identifier: unknown }[] }) => [...order.layers.flat(), ...order.cyclic].map((x) => x.identifier);

describe('relation order', () => {
  it('puts targets first (Ocean test: 5→1→3, 2→4→3)', () => {
    const order = orderByRelations([e('1', '3'), e('2', '4'), e('3'), e('4', '3'), e('5', '1')]);
    const sequence = flat(order);
    expect(['3-4-1-2-5', '3-4-1-5-2', '3-1-4-2-5', '3-1-4-5-2']).toContain(sequence.join('-'));
    expect(order.cyclic).toEqual([]);
  });

  it('ignores self-references and puts cycles last in original order', () => {
    expect(flat(orderByRelations([e('a', 'a'), e('b', 'a')]))).toEqual(['a', 'b']);
    const order = orderByRelations([e('x', 'y'), e('y', 'x'), e('z'), e('w', 'x')]);
    expect(order.layers.flat().map((x) => x.identifier)).toEqual(['z']);
    expect(order.cyclic.map((x) => x.identifier)).toEqual(['x', 'y', 'w']);
  });

  it('follows $identifier rules inside search-query relations', () => {
    const target = { identifier: 't', blueprint: 'b' };
    const source = { identifier: 's', blueprint: 'b', relations: { rel: { combinator: 'and' as const, rules: [{ property: '$identifier', operator: '=', value: 't' }] } } };
    expect(flat(orderByRelations([source, target]))).toEqual(['t', 's']);
  });
});
