import type express from 'express';
import type { Request, Response } from 'express';
import { checkBatch, HubSpotError, readBatch, runBatch } from './batch.js';

/**
 * The fake HubSpot's deals, deal property groups and properties, and notes associated with deals:
 * what a push of billing state onto deals (issue 14) reads and writes. Served on every path
 * family of fakeHubspot.ts (`/crm/v3/…` and `/crm/{objects|properties}/{2026-03|2026-09}/…`),
 * behind its gate (auth, rate limits, injected faults, the legacy switch) and through its `serve`
 * (request counting, write hooks, commit-then-fail, latency): this file only holds the records
 * and HubSpot's rules for them.
 *
 * What HubSpot documents, and what the fake does with it (read 2026-11; no live calls):
 * - Deals (object type 0-3): `POST …/deals/batch/read` (`inputs[].id`, `properties`, query
 *   `archived`) and `POST …/deals/batch/update` (`inputs[].id`, `properties`,
 *   `objectWriteTraceId`), ≤ 100 inputs, as for contacts and products: with a trace id on every
 *   input a bad input is one entry of a 207's `errors[]` and the rest is written, otherwise it
 *   fails the whole batch; duplicate ids → 400; ids not found (or archived, unless
 *   `archived=true`) → batch read answers 207 with one OBJECT_NOT_FOUND error listing them.
 *   `GET …/deals/{id}` (`properties`, `associations=notes`) and `DELETE …/deals/{id}` (archive).
 *   Deals are seeded by tests (`create`, `POST /__fake/deals/{portal}`), not by the API.
 * - Built-in deal properties exist from the start (dealname, amount, dealstage, pipeline,
 *   closedate, hubspot_owner_id, deal_currency_code, and the read-only hs_object_id, createdate,
 *   hs_lastmodifieddate) in the group `dealinformation`. A value is checked against its
 *   property's type: `number` must be a decimal number (INVALID_DECIMAL, as the fake's price),
 *   `date` midnight UTC (epoch ms or YYYY-MM-DD), `datetime` epoch ms or ISO 8601, `bool`
 *   true/false, `enumeration` one of its options (INVALID_OPTION; owners and currencies are the
 *   portal's, so hubspot_owner_id and deal_currency_code are not checked here); unknown →
 *   PROPERTY_DOESNT_EXIST; read-only → READ_ONLY_VALUE. "" clears a value. Values are kept as
 *   sent (whether HubSpot normalises "10.50" to "10.5" on read is not confirmed).
 * - Property groups: `POST /crm/properties/{version}/{objectType}/groups` (`name`, `label`,
 *   `displayOrder`) → 201; `GET …/groups` and `…/groups/{groupName}`. Properties: `POST …/deals`
 *   (`name`, `label`, `type`, `fieldType`, `groupName`, options, number display hints …) → 201;
 *   `GET …/deals` and `…/deals/{name}`; `PATCH …/deals/{name}` overwrites the fields given, its
 *   `options` replacing all of them (HubSpot's "Update a property"; read-only definitions and a built-in
 *   dropdown's options → 400, unknown → 404). A name already taken → 409 (HubSpot's legacy properties
 *   docs say 409 Conflict; the v3 body is not captured, so the fake says what its contacts and
 *   products properties say: category OBJECT_ALREADY_EXISTS). Since 2021-02-01 the v3 (and later)
 *   endpoints refuse a `type` and `fieldType` that do not go together (changelog "Announcing a
 *   change to how CRM object property creation is validated in v3 endpoints") with a 400
 *   VALIDATION_ERROR; the pairs are the properties guide's table (FIELD_TYPES). The message texts
 *   of these 400s, and of a property naming a group that does not exist, are ours.
 * - A property deleted in HubSpot is archived ("moved to the recycling bin", HubSpot's "Archive a
 *   property"): `GET …/deals` and `…/deals/{name}` leave it out (404) unless `archived=true`,
 *   which lists only archived ones (the documented query parameter), and a value written to it is
 *   PROPERTY_DOESNT_EXIST. Creating a property with its name answers 409, as for a live one: what
 *   HubSpot does then is not documented, and this is the case a client must survive (the 2026-03
 *   API has no restore; 2027-03-beta adds `…/properties/batch/restore`). Tests delete one with
 *   `archiveProperty`.
 * - Notes (object type 0-46): `POST …/notes` and `POST …/notes/batch/create` with `properties`
 *   (`hs_timestamp` required, epoch ms or ISO 8601; `hs_note_body` ≤ 65,536 characters;
 *   `hubspot_owner_id`, `hs_attachment_ids`) and `associations: [{ to: { id }, types: [{
 *   associationCategory: "HUBSPOT_DEFINED", associationTypeId: 214 }] }]` (214 = note to deal);
 *   201, or 207 per input as other batch creates; `GET …/notes/{id}`; `POST …/notes/batch/read`
 *   (`inputs[].id`, `properties`), answered as deals' batch read (207 OBJECT_NOT_FOUND listing
 *   the ids not found). The fake knows only associations to its deals: another type id, or a
 *   deal that does not exist, is a 400. A test reads a deal's notes with `notesOf` or
 *   `GET /__fake/deals/{portal}/{deal}/notes`.
 * - A deal's notes, two ways: `GET …/deals/{id}?associations=notes` (v3's `associations.notes.
 *   results[]` of `{ id, type: "deal_to_note" }`), and the v4 associations API's
 *   `GET /crm/v4/objects/deals/{id}/associations/notes`, in the date-versioned families
 *   `GET /crm/objects/{2026-03|2026-09}/deals/{id}/associations/notes` (HubSpot's 2026-03
 *   reference puts record associations under /crm/objects/2026-03/{objectType}/{objectId}/
 *   associations/…; that 2026-09 serves them too is the fake's assumption). It answers
 *   `{ results: [{ toObjectId (a number), associationTypes: [{ category: "HUBSPOT_DEFINED",
 *   typeId: 213, label: null }] }], paging: { next: { after } } }`, `limit` default and most 500,
 *   `paging` only while more remain. 213 is "Deal to note" in HubSpot's association type table
 *   (214, what a note's create names, is "Note to deal"): a list from a deal answers the types in
 *   the deal-to-note direction. An unknown or archived deal is a 404 (not documented; ours).
 * - Scopes: when a portal's granted scopes are set (fakeHubspot.ts `setScopes`), each call here
 *   needs its scope or answers 403 MISSING_SCOPES; the table and what it rests on are in scopes.ts.
 *
 * Idempotency: HubSpot does not deduplicate notes. Two identical creates (a retry after a lost
 * reply, or a commit-then-fail) make two notes on the deal's timeline, and so does the fake: the
 * service needs its own exactly-once (e.g. a ledger of the events it has written).
 */

type Reply = { status: number; body?: unknown };
/** fakeHubspot.ts's serve: runs `fn` for the gated request and answers with its reply. */
export type Serve = (req: Request, res: Response, scope: string, fn: (portalId: string) => Reply, writes: boolean) => void;

export interface DealProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: Array<{ label: string; value: string; displayOrder?: number; hidden?: boolean }>;
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined?: boolean;
  showCurrencySymbol?: boolean;
  numberDisplayHint?: string;
  currencyPropertyName?: string;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface FakeDeal {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface FakeNote {
  id: string;
  /** hs_note_body as sent (undefined when none). */
  body: string | undefined;
  /** hs_timestamp as an ISO instant. */
  timestamp: string;
  /** The deals it is associated with (type 214). */
  dealIds: string[];
  properties: Record<string, string>;
  createdAt: string;
}

/** The fieldTypes each property type accepts (HubSpot's properties guide, "Property type and fieldType values"). */
export const FIELD_TYPES: Readonly<Record<string, readonly string[]>> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber'],
};

/** HubSpot's default deal stages of the default pipeline ("Sales Pipeline"). */
const DEFAULT_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'];
const READ_ONLY = ['hs_object_id', 'createdate', 'hs_lastmodifieddate'];
const NOTE_PROPERTIES = ['hs_timestamp', 'hs_note_body', 'hubspot_owner_id', 'hs_attachment_ids'];
/** HUBSPOT_DEFINED association type: note to deal (what a note's create names). */
export const NOTE_TO_DEAL = 214;
/** HUBSPOT_DEFINED association type: deal to note (what a deal's association list answers). */
export const DEAL_TO_NOTE = 213;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^\d+$/;
const NAME = /^[a-z][a-z0-9_]*$/;

const validation = (message: string, extra: Record<string, unknown> = {}) => new HubSpotError(400, { status: 'error', message, category: 'VALIDATION_ERROR', ...extra });

interface Problem {
  name: string;
  code: string;
  message: string;
}

interface Store {
  deals: Map<string, FakeDeal>;
  properties: Map<string, DealProperty>;
  groups: Map<string, PropertyGroup>;
  notes: Map<string, FakeNote>;
}

export class DealsAndNotes {
  private readonly portals = new Map<string, Store>();
  private nextDealId = 7_000_000;
  private nextNoteId = 9_000_000;
  readonly stats = { dealWrites: 0, notesCreated: 0, groupsCreated: 0, propertiesCreated: 0, propertiesUpdated: 0 };

  /** Seeds a deal (tests; HubSpot's users create deals): defaults to the default pipeline's first stage. */
  create(portalId: string, properties: Record<string, unknown> = {}, options: { archived?: boolean } = {}): FakeDeal {
    const props = { pipeline: 'default', dealstage: DEFAULT_STAGES[0]!, ...properties };
    const problems = this.problems(portalId, props);
    if (problems.length) throw new Error(`a seeded deal must have valid properties: ${problems.map((p) => p.message).join('; ')}`);
    const now = new Date().toISOString();
    const id = String(this.nextDealId++);
    const deal: FakeDeal = { id, properties: { ...stringify(props), hs_object_id: id, createdate: now, hs_lastmodifieddate: now }, createdAt: now, updatedAt: now, archived: !!options.archived };
    this.portal(portalId).deals.set(id, deal);
    return deal;
  }

  /** A portal's deals (archived ones too when asked). */
  list(portalId: string, includeArchived = false): FakeDeal[] {
    return [...this.portal(portalId).deals.values()].filter((d) => includeArchived || !d.archived);
  }

  get(portalId: string, dealId: string): FakeDeal | undefined {
    return this.portal(portalId).deals.get(dealId);
  }

  /** Archives a deal (as deleting it in HubSpot does: it goes to the recycle bin). */
  archive(portalId: string, dealId: string): void {
    const d = this.portal(portalId).deals.get(dealId);
    if (d) d.archived = true;
  }

  /** The notes associated with a deal, oldest first: a test counts them to prove "exactly once". */
  notesOf(portalId: string, dealId: string): FakeNote[] {
    return [...this.portal(portalId).notes.values()].filter((n) => n.dealIds.includes(dealId));
  }

  /** A portal's deal property groups, and its deal properties (custom ones only unless asked). */
  schema(portalId: string, includeBuiltIn = false): { groups: PropertyGroup[]; properties: DealProperty[] } {
    const p = this.portal(portalId);
    return { groups: [...p.groups.values()], properties: [...p.properties.values()].filter((d) => includeBuiltIn || !d.hubspotDefined) };
  }

  /** Registers the control routes and, before fakeHubspot.ts's generic ones, the CRM routes of every family. */
  routes(app: express.Express, families: Array<{ objects: string; properties: string; associations: string }>, serve: Serve): void {
    app.post('/__fake/deals/:portalId', (req, res) => {
      const b = (req.body ?? {}) as { properties?: Record<string, unknown>; deals?: Array<{ properties?: Record<string, unknown>; archived?: boolean }>; archived?: boolean };
      try {
        const made = (b.deals ?? [{ properties: b.properties, archived: b.archived }]).map((d) => this.create(String(req.params.portalId), d.properties ?? {}, { archived: d.archived }));
        res.status(201).json(b.deals ? made : made[0]);
      } catch (err) {
        res.status(400).json({ error: (err as Error).message });
      }
    });
    app.get('/__fake/deals/:portalId', (req, res) => {
      res.json(this.list(String(req.params.portalId), req.query.archived === 'true'));
    });
    app.delete('/__fake/deals/:portalId/:dealId', (req, res) => {
      this.archive(String(req.params.portalId), String(req.params.dealId));
      res.json({ ok: true });
    });
    app.get('/__fake/deals/:portalId/:dealId/notes', (req, res) => {
      res.json(this.notesOf(String(req.params.portalId), String(req.params.dealId)));
    });
    app.get('/__fake/deal-properties/:portalId', (req, res) => {
      res.json(this.schema(String(req.params.portalId), req.query.builtIn === 'true'));
    });

    const on =
      (scope: string, writes: boolean, fn: (portalId: string, req: Request) => Reply) =>
      (req: Request, res: Response): void =>
        serve(req, res, scope, (portalId) => attempt(() => fn(portalId, req)), writes);
    for (const { objects: O, properties: P, associations: A } of families) {
      const deals = (tail = '') => [`${O}/deals${tail}`, `${O}/0-3${tail}`];
      const notes = (tail = '') => [`${O}/notes${tail}`, `${O}/0-46${tail}`];
      const props = (tail = '') => [`${P}/deals${tail}`, `${P}/0-3${tail}`];
      app.post(
        deals('/batch/read'),
        on('deals', false, (p, r) => this.batchRead(p, r)),
      );
      app.post(
        deals('/batch/update'),
        on('deals', true, (p, r) => this.batchUpdate(p, r.body)),
      );
      app.get(
        deals('/:id'),
        on('deals', false, (p, r) => this.getDeal(p, String(r.params.id), r)),
      );
      app.delete(
        deals('/:id'),
        on('deals', true, (p, r) => {
          this.archive(p, String(r.params.id));
          return { status: 204 };
        }),
      );
      app.get(
        [`${A}/deals/:id/associations/notes`, `${A}/0-3/:id/associations/notes`, `${A}/deals/:id/associations/0-46`, `${A}/0-3/:id/associations/0-46`],
        on('deals', false, (p, r) => this.dealNoteAssociations(p, String(r.params.id), r)),
      );
      app.post(
        notes('/batch/read'),
        on('notes', false, (p, r) => this.batchReadNotes(p, r)),
      );
      app.post(
        notes('/batch/create'),
        on('notes', true, (p, r) => this.batchCreateNotes(p, r.body)),
      );
      app.post(
        notes(),
        on('notes', true, (p, r) => this.createNote(p, r.body)),
      );
      app.get(
        notes('/:id'),
        on('notes', false, (p, r) => this.getNote(p, String(r.params.id))),
      );
      app.post(
        props('/groups'),
        on('deal-properties', true, (p, r) => this.createGroup(p, r.body)),
      );
      app.get(
        props('/groups'),
        on('deal-properties', false, (p) => ({ status: 200, body: { results: [...this.portal(p).groups.values()] } })),
      );
      app.get(
        props('/groups/:groupName'),
        on('deal-properties', false, (p, r) => this.getGroup(p, String(r.params.groupName))),
      );
      app.post(
        props(),
        on('deal-properties', true, (p, r) => this.createProperty(p, r.body)),
      );
      app.get(
        props(),
        on('deal-properties', false, (p, r) => ({ status: 200, body: { results: [...this.portal(p).properties.values()].filter((d) => d.archived === (r.query.archived === 'true')) } })),
      );
      app.get(
        props('/:name'),
        on('deal-properties', false, (p, r) => this.getProperty(p, String(r.params.name), r.query.archived === 'true')),
      );
      app.patch(
        props('/:name'),
        on('deal-properties', true, (p, r) => this.updateProperty(p, String(r.params.name), r.body)),
      );
    }
  }

  // ---- store ---------------------------------------------------------------------------------

  private portal(portalId: string): Store {
    let p = this.portals.get(portalId);
    if (!p) {
      const now = new Date().toISOString();
      const builtIn = (name: string, label: string, type: string, fieldType: string, extra: Partial<DealProperty> = {}): DealProperty => ({
        ...propertyDefaults(now),
        name,
        label,
        type,
        fieldType,
        groupName: 'dealinformation',
        hubspotDefined: true,
        ...extra,
      });
      const readOnly = { modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true } };
      const properties = [
        builtIn('dealname', 'Deal Name', 'string', 'text'),
        builtIn('amount', 'Amount', 'number', 'number', { showCurrencySymbol: true, numberDisplayHint: 'currency' }),
        builtIn('dealstage', 'Deal Stage', 'enumeration', 'radio', { options: DEFAULT_STAGES.map((value, displayOrder) => ({ label: value, value, displayOrder })) }),
        builtIn('pipeline', 'Pipeline', 'enumeration', 'select', { options: [{ label: 'Sales Pipeline', value: 'default', displayOrder: 0 }] }),
        builtIn('closedate', 'Close Date', 'datetime', 'date'),
        builtIn('hubspot_owner_id', 'Deal owner', 'enumeration', 'select', { externalOptions: true }),
        builtIn('deal_currency_code', 'Currency', 'enumeration', 'select', { externalOptions: true }),
        builtIn('hs_object_id', 'Record ID', 'number', 'number', readOnly),
        builtIn('createdate', 'Create Date', 'datetime', 'date', readOnly),
        builtIn('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', readOnly),
      ];
      p = {
        deals: new Map(),
        properties: new Map(properties.map((d) => [d.name, d])),
        groups: new Map([['dealinformation', { name: 'dealinformation', label: 'Deal information', displayOrder: -1, archived: false }]]),
        notes: new Map(),
      };
      this.portals.set(portalId, p);
    }
    return p;
  }

  /** Problems with a set of deal property values, as HubSpot's "Property values were not valid" list. */
  private problems(portalId: string, props: Record<string, unknown>): Problem[] {
    const known = this.portal(portalId).properties;
    const out: Problem[] = [];
    for (const [name, raw] of Object.entries(props ?? {})) {
      const def = known.get(name);
      if (READ_ONLY.includes(name)) out.push({ name, code: 'READ_ONLY_VALUE', message: `Property "${name}" is a read-only property; its value cannot be set.` });
      else if (!def || def.archived) out.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      else {
        const p = valueProblem(def, raw);
        if (p) out.push(p);
      }
    }
    return out;
  }

  private invalid(portalId: string, problems: Problem[]): HubSpotError {
    return new HubSpotError(400, {
      status: 'error',
      message: `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message, portalId: Number(portalId) })))}`,
      errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
      category: 'VALIDATION_ERROR',
    });
  }

  // ---- deals ---------------------------------------------------------------------------------

  private live(portalId: string, id: string, archived = false): FakeDeal | undefined {
    const d = this.portal(portalId).deals.get(id);
    return d && d.archived === archived ? d : undefined;
  }

  private batchRead(portalId: string, req: Request): Reply {
    const b = (req.body ?? {}) as { idProperty?: string; properties?: unknown };
    const inputs = checkBatch(req.body, false);
    if (b.idProperty && b.idProperty !== 'hs_object_id') throw validation(`Unable to perform update/upsert by non-unique 0-3 property ${b.idProperty}`);
    const archived = req.query.archived === 'true';
    const wanted = propertyList(b.properties);
    return readBatch(
      inputs,
      (id) => this.live(portalId, id, archived),
      (d) => present(d, wanted),
      'DEAL',
    );
  }

  private batchUpdate(portalId: string, body: unknown): Reply {
    const inputs = checkBatch(body, true);
    for (const i of inputs) {
      if (i.idProperty && i.idProperty !== 'hs_object_id') throw validation(`Unable to perform update/upsert by non-unique 0-3 property ${String(i.idProperty)}`);
    }
    return runBatch(
      inputs,
      (i) => {
        if (!this.live(portalId, String(i.id))) return new HubSpotError(404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND', context: { ids: [String(i.id)] } });
        const problems = this.problems(portalId, (i.properties ?? {}) as Record<string, unknown>);
        return problems.length ? this.invalid(portalId, problems) : undefined;
      },
      (i) => {
        const d = this.live(portalId, String(i.id))!;
        const now = new Date().toISOString();
        Object.assign(d.properties, stringify((i.properties ?? {}) as Record<string, unknown>), { hs_lastmodifieddate: now });
        d.updatedAt = now;
        this.stats.dealWrites += 1;
        return present(d);
      },
      200,
    );
  }

  private getDeal(portalId: string, id: string, req: Request): Reply {
    const d = this.live(portalId, id, req.query.archived === 'true');
    if (!d) throw new HubSpotError(404, { status: 'error', message: 'resource not found' });
    const extra: Record<string, unknown> = {};
    if (propertyList(req.query.associations).includes('notes')) {
      extra.associations = { notes: { results: this.notesOf(portalId, id).map((n) => ({ id: n.id, type: 'deal_to_note' })) } };
    }
    return { status: 200, body: { ...present(d, propertyList(req.query.properties)), ...extra } };
  }

  /**
   * The v4 associations API's list of a deal's notes: `{ results: [{ toObjectId, associationTypes:
   * [{ category, typeId, label }] }], paging? }`, notes oldest first, `limit` (default and most
   * 500) per page and an opaque `after` cursor in `paging.next.after` while more remain.
   */
  private dealNoteAssociations(portalId: string, dealId: string, req: Request): Reply {
    if (!this.live(portalId, dealId)) throw new HubSpotError(404, { status: 'error', message: 'resource not found' });
    const rawLimit = req.query.limit === undefined ? '500' : String(req.query.limit);
    if (!INTEGER.test(rawLimit) || Number(rawLimit) < 1) throw validation(`limit must be a positive whole number, not ${rawLimit}`);
    const limit = Math.min(500, Number(rawLimit));
    const after = req.query.after === undefined ? undefined : String(req.query.after);
    if (after !== undefined && !INTEGER.test(after)) throw validation(`Invalid after cursor ${after}`);
    const all = this.notesOf(portalId, dealId).filter((n) => after === undefined || Number(n.id) > Number(after));
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((n) => ({ toObjectId: Number(n.id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: DEAL_TO_NOTE, label: null }] })),
    };
    if (all.length > limit) body.paging = { next: { after: page.at(-1)!.id } };
    return { status: 200, body };
  }

  // ---- property groups and properties --------------------------------------------------------

  private createGroup(portalId: string, body: unknown): Reply {
    const b = (body ?? {}) as Partial<PropertyGroup>;
    const missing = ['name', 'label'].filter((k) => !(b as Record<string, unknown>)[k]);
    if (missing.length) throw validation(`Missing required fields: ${missing.join(', ')}`);
    if (!NAME.test(String(b.name))) throw validation(`Invalid group name ${String(b.name)}: use lower-case letters, digits and underscores, starting with a letter.`);
    const groups = this.portal(portalId).groups;
    if (groups.has(b.name!))
      throw new HubSpotError(409, { status: 'error', message: `A property group named '${b.name}' already exists.`, category: 'OBJECT_ALREADY_EXISTS', context: { name: [b.name] } });
    const group: PropertyGroup = { name: b.name!, label: String(b.label), displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1, archived: false };
    groups.set(group.name, group);
    this.stats.groupsCreated += 1;
    return { status: 201, body: group };
  }

  private getGroup(portalId: string, name: string): Reply {
    const g = this.portal(portalId).groups.get(name);
    if (!g) throw new HubSpotError(404, { status: 'error', message: `Unable to find property group ${name}`, category: 'OBJECT_NOT_FOUND' });
    return { status: 200, body: g };
  }

  private createProperty(portalId: string, body: unknown): Reply {
    const b = (body ?? {}) as Partial<DealProperty>;
    const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => !(b as Record<string, unknown>)[k]);
    if (missing.length) throw validation(`Missing required fields: ${missing.join(', ')}`);
    if (!NAME.test(String(b.name))) throw validation(`Invalid property name ${String(b.name)}: use lower-case letters, digits and underscores, starting with a letter.`);
    const fieldTypes = FIELD_TYPES[String(b.type)];
    if (!fieldTypes) throw validation(`Invalid property type ${String(b.type)}: use one of ${Object.keys(FIELD_TYPES).join(', ')}.`);
    if (!fieldTypes.includes(String(b.fieldType))) {
      throw validation(`Invalid fieldType ${String(b.fieldType)} for a property of type ${String(b.type)}: use one of ${fieldTypes.join(', ')}.`, {
        errors: [{ message: `fieldType ${String(b.fieldType)} is not valid for type ${String(b.type)}`, code: 'INVALID_FIELD_TYPE', context: { type: [b.type], fieldType: [b.fieldType] } }],
      });
    }
    const store = this.portal(portalId);
    if (!store.groups.has(String(b.groupName))) throw validation(`Property group ${String(b.groupName)} does not exist: create it first (POST …/groups).`);
    if (store.properties.has(b.name!))
      throw new HubSpotError(409, { status: 'error', message: `A property named '${b.name}' already exists.`, category: 'OBJECT_ALREADY_EXISTS', context: { name: [b.name] } });
    const now = new Date().toISOString();
    const def: DealProperty = {
      ...propertyDefaults(now),
      name: b.name!,
      label: String(b.label),
      type: String(b.type),
      fieldType: String(b.fieldType),
      groupName: String(b.groupName),
      description: typeof b.description === 'string' ? b.description : '',
      options: Array.isArray(b.options) ? b.options.map((o, n) => ({ label: String(o.label), value: String(o.value), displayOrder: o.displayOrder ?? n, hidden: !!o.hidden })) : [],
      displayOrder: typeof b.displayOrder === 'number' ? b.displayOrder : -1,
      hasUniqueValue: !!b.hasUniqueValue,
      hidden: !!b.hidden,
      formField: !!b.formField,
      ...(b.showCurrencySymbol !== undefined ? { showCurrencySymbol: !!b.showCurrencySymbol } : {}),
      ...(typeof b.numberDisplayHint === 'string' ? { numberDisplayHint: b.numberDisplayHint } : {}),
      ...(typeof b.currencyPropertyName === 'string' ? { currencyPropertyName: b.currencyPropertyName } : {}),
    };
    store.properties.set(def.name, def);
    this.stats.propertiesCreated += 1;
    return { status: 201, body: def };
  }

  private getProperty(portalId: string, name: string, archived = false): Reply {
    const def = this.portal(portalId).properties.get(name);
    if (!def || def.archived !== archived) throw new HubSpotError(404, { status: 'error', message: `Unable to find property ${name}`, category: 'OBJECT_NOT_FOUND' });
    return { status: 200, body: def };
  }

  /**
   * `PATCH …/deals/{name}`: the fields given overwrite the property's; `options`, when given,
   * replaces every option (HubSpot has no call that adds one). A HubSpot-defined property with a
   * read-only definition cannot change.
   */
  private updateProperty(portalId: string, name: string, body: unknown): Reply {
    const def = this.portal(portalId).properties.get(name);
    if (!def || def.archived) throw new HubSpotError(404, { status: 'error', message: `Unable to find property ${name}`, category: 'OBJECT_NOT_FOUND' });
    const b = (body ?? {}) as Partial<DealProperty>;
    if (def.modificationMetadata.readOnlyDefinition) throw validation(`The definition of property ${name} is read-only.`);
    // A built-in dropdown's options are HubSpot's (deal stages come from the pipelines).
    if (def.hubspotDefined && b.options !== undefined) throw validation(`The options of HubSpot's property ${name} cannot be changed here.`);
    const type = b.type === undefined ? def.type : String(b.type);
    const fieldType = b.fieldType === undefined ? def.fieldType : String(b.fieldType);
    const fieldTypes = FIELD_TYPES[type];
    if (!fieldTypes) throw validation(`Invalid property type ${type}: use one of ${Object.keys(FIELD_TYPES).join(', ')}.`);
    if (!fieldTypes.includes(fieldType)) throw validation(`Invalid fieldType ${fieldType} for a property of type ${type}: use one of ${fieldTypes.join(', ')}.`);
    if (b.groupName !== undefined && !this.portal(portalId).groups.has(String(b.groupName))) throw validation(`Property group ${String(b.groupName)} does not exist: create it first (POST …/groups).`);
    let options = def.options;
    if (b.options !== undefined) {
      if (!Array.isArray(b.options)) throw validation('options must be an array of { label, value }');
      options = b.options.map((o, n) => {
        if (typeof o?.label !== 'string' || typeof o?.value !== 'string' || !o.label || !o.value) throw validation(`Option ${n} needs a label and a value.`);
        return { label: o.label, value: o.value, displayOrder: o.displayOrder ?? n, hidden: !!o.hidden };
      });
      const values = options.map((o) => o.value);
      const twice = values.find((v, i) => values.indexOf(v) !== i);
      if (twice !== undefined) throw validation(`Option value ${twice} is used twice.`);
    }
    Object.assign(def, {
      type,
      fieldType,
      options,
      ...(typeof b.label === 'string' ? { label: b.label } : {}),
      ...(typeof b.description === 'string' ? { description: b.description } : {}),
      ...(typeof b.groupName === 'string' ? { groupName: b.groupName } : {}),
      updatedAt: new Date().toISOString(),
    });
    this.stats.propertiesUpdated += 1;
    return { status: 200, body: def };
  }

  /** For tests: a deal property as an admin left it by hand (made, or changed, in HubSpot's settings). */
  handMadeProperty(portalId: string, def: Partial<DealProperty> & { name: string }): void {
    const store = this.portal(portalId);
    const now = new Date().toISOString();
    const before = store.properties.get(def.name);
    store.properties.set(def.name, { ...propertyDefaults(now), label: def.name, type: 'string', fieldType: 'text', groupName: 'dealinformation', options: [], ...before, ...def });
  }

  /** For tests: a property deleted in HubSpot's settings (archived: in the recycling bin), or restored from it. */
  archiveProperty(portalId: string, name: string, archived = true): void {
    const def = this.portal(portalId).properties.get(name);
    if (!def) throw new Error(`no deal property ${name} in portal ${portalId}`);
    def.archived = archived;
  }

  // ---- notes ---------------------------------------------------------------------------------

  /** Why a note input cannot be created, or undefined. */
  private noteProblem(portalId: string, input: Record<string, unknown>): HubSpotError | undefined {
    const props = (input.properties ?? {}) as Record<string, unknown>;
    const problems: Problem[] = [];
    for (const name of Object.keys(props)) if (!NOTE_PROPERTIES.includes(name)) problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
    if (props.hs_timestamp === undefined || props.hs_timestamp === '') problems.push({ name: 'hs_timestamp', code: 'MISSING_REQUIRED_PROPERTY', message: 'A value for hs_timestamp must be provided' });
    else if (!instant(String(props.hs_timestamp)))
      problems.push({ name: 'hs_timestamp', code: 'INVALID_DATETIME', message: `${String(props.hs_timestamp)} is not a valid datetime: send epoch milliseconds or ISO 8601` });
    if (typeof props.hs_note_body === 'string' && props.hs_note_body.length > 65_536)
      problems.push({ name: 'hs_note_body', code: 'INVALID_LENGTH', message: 'hs_note_body is limited to 65,536 characters' });
    if (problems.length) return this.invalid(portalId, problems);
    const associations = input.associations ?? [];
    if (!Array.isArray(associations)) return validation('associations must be a list of { to: { id }, types: [{ associationCategory, associationTypeId }] }');
    for (const a of associations as Array<{ to?: { id?: unknown }; types?: Array<{ associationCategory?: string; associationTypeId?: number }> }>) {
      const to = String(a?.to?.id ?? '');
      const types = Array.isArray(a?.types) ? a.types : [];
      if (types.length === 0 || types.some((t) => t?.associationCategory !== 'HUBSPOT_DEFINED' || t?.associationTypeId !== NOTE_TO_DEAL)) {
        return validation(`Invalid association type for note to ${to}: this fake knows only HUBSPOT_DEFINED ${NOTE_TO_DEAL} (note to deal).`);
      }
      if (!this.live(portalId, to)) return validation(`Invalid association: no deal with id ${to}.`, { context: { ids: [to] } });
    }
    return undefined;
  }

  /** Writes a note. HubSpot does not deduplicate notes, and neither does this: every create is a new note. */
  private writeNote(portalId: string, input: Record<string, unknown>): Record<string, unknown> {
    const props = stringify((input.properties ?? {}) as Record<string, unknown>);
    const associations = (input.associations ?? []) as Array<{ to: { id: unknown } }>;
    const now = new Date().toISOString();
    const id = String(this.nextNoteId++);
    const timestamp = instant(props.hs_timestamp!)!;
    const properties = { ...props, hs_timestamp: timestamp, hs_object_id: id, hs_createdate: now, hs_lastmodifieddate: now };
    const note: FakeNote = { id, body: props.hs_note_body, timestamp, dealIds: [...new Set(associations.map((a) => String(a.to.id)))], properties, createdAt: now };
    this.portal(portalId).notes.set(id, note);
    this.stats.notesCreated += 1;
    return { id, properties, createdAt: now, updatedAt: now, archived: false };
  }

  private createNote(portalId: string, body: unknown): Reply {
    const input = (body ?? {}) as Record<string, unknown>;
    const err = this.noteProblem(portalId, input);
    if (err) throw err;
    return { status: 201, body: this.writeNote(portalId, input) };
  }

  private batchCreateNotes(portalId: string, body: unknown): Reply {
    return runBatch(
      checkBatch(body, false),
      (i) => this.noteProblem(portalId, i),
      (i) => this.writeNote(portalId, i),
      201,
    );
  }

  /**
   * `POST …/notes/batch/read` (`inputs[].id`, `properties`, query `archived`): as deals' batch
   * read, each note with the requested properties that have values (all when none are asked)
   * and hs_object_id, hs_createdate, hs_lastmodifieddate; ids not found → 207 OBJECT_NOT_FOUND.
   * The fake never archives notes, so `archived=true` finds none.
   */
  private batchReadNotes(portalId: string, req: Request): Reply {
    const b = (req.body ?? {}) as { idProperty?: string; properties?: unknown };
    const inputs = checkBatch(req.body, false);
    if (b.idProperty && b.idProperty !== 'hs_object_id') throw validation(`Unable to perform update/upsert by non-unique 0-46 property ${b.idProperty}`);
    const archived = req.query.archived === 'true';
    const wanted = propertyList(b.properties);
    return readBatch(
      inputs,
      (id) => (archived ? undefined : this.portal(portalId).notes.get(id)),
      (n) => presentNote(n, wanted),
      'NOTE',
    );
  }

  private getNote(portalId: string, id: string): Reply {
    const n = this.portal(portalId).notes.get(id);
    if (!n) throw new HubSpotError(404, { status: 'error', message: 'resource not found' });
    return { status: 200, body: presentNote(n) };
  }
}

// ---- helpers -------------------------------------------------------------------------------

function attempt(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HubSpotError) return { status: err.status, body: err.body };
    throw err;
  }
}

function propertyDefaults(now: string): Omit<DealProperty, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'> {
  return {
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: false,
    hidden: false,
    formField: false,
    calculated: false,
    externalOptions: false,
    createdAt: now,
    updatedAt: now,
    archived: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
  };
}

function stringify(props: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(props)) out[k] = String(props[k]);
  return out;
}

/** `properties` as the SDK repeats it or a caller comma-joins it, or as a JSON list. */
function propertyList(v: unknown): string[] {
  const all = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  return all.flatMap((s) => s.split(',')).filter((s) => s !== '');
}

/** A deal as HubSpot answers it: the requested properties that have values (all when none asked) and the defaults. */
function present(d: FakeDeal, wanted: string[] = []): Record<string, unknown> {
  let properties = d.properties;
  if (wanted.length) {
    properties = {};
    for (const k of [...wanted, 'hs_object_id', 'createdate', 'hs_lastmodifieddate']) if (d.properties[k] !== undefined) properties[k] = d.properties[k]!;
  }
  return { id: d.id, properties, createdAt: d.createdAt, updatedAt: d.updatedAt, archived: d.archived };
}

/** A note as HubSpot answers it: the requested properties that have values (all when none asked) and the defaults. */
function presentNote(n: FakeNote, wanted: string[] = []): Record<string, unknown> {
  let properties = n.properties;
  if (wanted.length) {
    properties = {};
    for (const k of [...wanted, 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate']) if (n.properties[k] !== undefined) properties[k] = n.properties[k]!;
  }
  return { id: n.id, properties, createdAt: n.createdAt, updatedAt: n.createdAt, archived: false };
}

/** An epoch-milliseconds or ISO 8601 value as an ISO instant, or undefined. */
function instant(value: string): string | undefined {
  const t = INTEGER.test(value) ? Number(value) : value.includes('T') ? Date.parse(value) : Number.NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Why a value does not fit its property's type, or undefined ("" clears any property). */
function valueProblem(def: DealProperty, raw: unknown): Problem | undefined {
  const value = String(raw);
  const name = def.name;
  if (value === '' || raw === null) return undefined;
  switch (def.type) {
    case 'number':
      return DECIMAL.test(value) ? undefined : { name, code: 'INVALID_DECIMAL', message: `${value} was not a valid number.` };
    case 'date': {
      const ok = DAY.test(value) ? !Number.isNaN(Date.parse(value)) : INTEGER.test(value) && Number(value) % 86_400_000 === 0;
      return ok ? undefined : { name, code: 'INVALID_DATE', message: `${value} is not a valid date for ${name}: send midnight UTC, as epoch milliseconds or YYYY-MM-DD.` };
    }
    case 'datetime':
      return instant(value) ? undefined : { name, code: 'INVALID_DATETIME', message: `${value} is not a valid datetime for ${name}: send epoch milliseconds or ISO 8601.` };
    case 'bool':
      return value === 'true' || value === 'false' ? undefined : { name, code: 'INVALID_BOOLEAN', message: `${value} is not a valid boolean for ${name}: send true or false.` };
    case 'enumeration': {
      if (def.externalOptions) return undefined;
      const allowed = def.options.map((o) => o.value);
      const given = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = given.find((v) => !allowed.includes(v));
      return bad === undefined ? undefined : { name, code: 'INVALID_OPTION', message: `${bad} was not one of the allowed options: [${allowed.join(', ')}]` };
    }
    default:
      return undefined;
  }
}

/** A batch body's inputs: a list of ≤ 100, ids unique when they name records. */
