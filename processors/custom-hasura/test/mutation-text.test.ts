import { expect } from 'chai';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { buildMutation } from '../src/build-mutation.js';
import { checkSelection } from '../src/selection.js';
import { namedType, typeText, type TypeRef } from '../src/type-ref.js';

const named = (kind: string, name: string): TypeRef => ({ kind, name, ofType: null });
const nonNull = (ofType: TypeRef): TypeRef => ({ kind: 'NON_NULL', name: null, ofType });
const list = (ofType: TypeRef): TypeRef => ({ kind: 'LIST', name: null, ofType });

describe('custom-hasura: the mutation text', () => {
  it('writes introspected types back as GraphQL', () => {
    const ref = nonNull(list(nonNull(list(nonNull(named('SCALAR', 'uuid'))))));
    expect(typeText(ref)).to.equal('[[uuid!]!]!');
    expect(namedType(ref)).to.deep.equal({ kind: 'SCALAR', name: 'uuid' });
    expect(typeText(named('INPUT_OBJECT', 'OrderInput'))).to.equal('OrderInput');
  });

  it('declares only the arguments given, in the schema\'s order, and passes values as variables', () => {
    const field = {
      name: 'placeOrder',
      type: named('OBJECT', 'Order'),
      args: [
        { name: 'input', type: nonNull(named('INPUT_OBJECT', 'OrderInput')), defaultValue: null },
        { name: 'dryRun', type: nonNull(named('SCALAR', 'Boolean')), defaultValue: 'false' },
        { name: 'note', type: named('SCALAR', 'String'), defaultValue: null },
      ],
    };
    const payload = { action: 'placeOrder', data: { note: null, input: { sku: 'A' } }, session: {}, selection: undefined, timeout: 1 };
    expect(buildMutation(payload, field, '{ id }')).to.deep.equal({
      operationName: 'NselfJobs_placeOrder',
      query: 'mutation NselfJobs_placeOrder($input: OrderInput!, $note: String) { placeOrder(input: $input, note: $note) { id } }',
      variables: { input: { sku: 'A' }, note: null },
    });
  });

  it('accepts selection sets, nested, with aliases, arguments and inline fragments', () => {
    for (const ok of ['{ id }', ' { id, status user { email } } ', '{ a: id orders(limit: 5, offset: -1) { id } }', '{ ... on Order { id } }']) {
      expect(checkSelection(ok)).to.equal(ok.trim());
    }
  });

  it('refuses anything that could reach beyond the action\'s own field', () => {
    for (const bad of ['{ id } deleteAll { ok }', '{ id }}{', '{ id', 'id }', '{ id ) }', '{ }', '{ x(where: "}") }', '{ id @skip(if: true) }', '{ id } # }', '{ x(v: $v) }', '']) {
      let error: unknown;
      try {
        checkSelection(bad);
      } catch (e) {
        error = e;
      }
      expect(isPermanentJobError(error), bad).to.equal(true);
    }
  });
});
