import { routeFamily } from './route-family.js';

describe('route family', () => {
  it('classifies the routes the client uses', () => {
    expect(routeFamily('POST', '/v1/auth/access_token')).toBe('unauthenticated');
    expect(routeFamily('POST', '/v1/blueprints/svc/entities/bulk')).toBe('entitiesBulkUpsert');
    expect(routeFamily('POST', '/v1/blueprints/svc/entities')).toBe('entityUpsert');
    expect(routeFamily('POST', '/v1/entities/search')).toBe('entitiesSearch');
    expect(routeFamily('POST', '/v1/blueprints/svc/entities/search')).toBe('entitiesSearch');
    expect(routeFamily('POST', '/v1/blueprints/entities/datasource-entities')).toBe('entitiesSearch');
    expect(routeFamily('POST', '/v1/blueprints/svc/bulk/entities/delete')).toBe('entities');
    expect(routeFamily('DELETE', '/v1/blueprints/svc/entities/a%2Fb')).toBe('entities');
    expect(routeFamily('PATCH', '/v1/blueprints/svc')).toBe('blueprints');
    expect(routeFamily('POST', '/v1/blueprints')).toBe('blueprints');
    expect(routeFamily('PATCH', '/v1/integration/x/resync-state')).toBe('other');
  });
});
