/**
 * HubSpot's documented data-fetch response (the `results[]` format of classic CRM cards, also what
 * the legacy-card-converter app card reads), as TypeScript types and as a JSON Schema. The schema
 * is ours, written from HubSpot's guide: tests validate every card answer against it and the
 * `preview` CLI validates live answers with it.
 */

export type StatusOptionType = 'DEFAULT' | 'SUCCESS' | 'WARNING' | 'DANGER' | 'INFO';

export type CardProperty =
  | { label: string; dataType: 'CURRENCY'; value: string; currencyCode: string }
  | { label: string; dataType: 'STATUS'; value: string; optionType: StatusOptionType }
  | { label: string; dataType: 'LINK'; value: string; linkLabel?: string }
  | { label: string; dataType: 'DATE' | 'DATETIME' | 'EMAIL' | 'NUMERIC' | 'STRING'; value: string };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface IframeAction {
  type: 'IFRAME';
  width: number;
  height: number;
  uri: string;
  label: string;
  associatedObjectProperties?: string[];
}

export interface ActionHookAction {
  type: 'ACTION_HOOK';
  httpMethod: HttpMethod;
  uri: string;
  label: string;
  associatedObjectProperties?: string[];
}

export interface ConfirmationActionHookAction {
  type: 'CONFIRMATION_ACTION_HOOK';
  httpMethod: HttpMethod;
  uri: string;
  label: string;
  associatedObjectProperties?: string[];
  confirmationMessage: string;
  confirmButtonText: string;
  cancelButtonText: string;
}

export type CardAction = IframeAction | ActionHookAction | ConfirmationActionHookAction;

export interface CardObject {
  objectId: number;
  title: string;
  link: string | null;
  properties: CardProperty[];
  actions: CardAction[];
  /** Values of the card definition's display properties, keyed by name. */
  [displayProperty: string]: unknown;
}

export interface CardResponse {
  results: CardObject[];
  primaryAction?: CardAction;
  secondaryActions?: CardAction[];
  settingsAction?: IframeAction;
}

const actionCommon = {
  uri: { type: 'string', format: 'uri' },
  label: { type: 'string', minLength: 1 },
  associatedObjectProperties: { type: 'array', items: { type: 'string' } },
  httpMethod: { enum: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] },
} as const;

/** JSON Schema (draft-07 subset, as ajv compiles it) of CardResponse, with at most five results. */
export const cardResponseSchema = {
  $id: 'card-response',
  type: 'object',
  required: ['results'],
  additionalProperties: false,
  properties: {
    results: { type: 'array', maxItems: 5, items: { $ref: '#/definitions/object' } },
    primaryAction: { $ref: '#/definitions/action' },
    secondaryActions: { type: 'array', items: { $ref: '#/definitions/action' } },
    settingsAction: { $ref: '#/definitions/iframe' },
  },
  definitions: {
    object: {
      type: 'object',
      required: ['objectId', 'title'],
      properties: {
        objectId: { type: 'integer' },
        title: { type: 'string', minLength: 1 },
        link: { type: ['string', 'null'] },
        properties: { type: 'array', items: { $ref: '#/definitions/property' } },
        actions: { type: 'array', items: { $ref: '#/definitions/action' } },
      },
      // Display-property values defined by the card definition (status option name, dates).
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
    },
    property: {
      type: 'object',
      required: ['label', 'dataType', 'value'],
      additionalProperties: false,
      properties: {
        label: { type: 'string' },
        name: { type: 'string' },
        dataType: { enum: ['CURRENCY', 'DATE', 'DATETIME', 'EMAIL', 'LINK', 'NUMERIC', 'STATUS', 'STRING'] },
        value: { type: ['string', 'number'] },
        currencyCode: { type: 'string', pattern: '^[A-Z]{3}$' },
        optionType: { enum: ['DEFAULT', 'SUCCESS', 'WARNING', 'DANGER', 'INFO'] },
        linkLabel: { type: 'string' },
      },
      allOf: [
        { if: { properties: { dataType: { const: 'CURRENCY' } } }, then: { required: ['currencyCode'], properties: { value: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' } } } },
        { if: { properties: { dataType: { const: 'STATUS' } } }, then: { required: ['optionType'] } },
        { if: { properties: { dataType: { const: 'DATE' } } }, then: { properties: { value: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } } } },
        { if: { properties: { dataType: { const: 'DATETIME' } } }, then: { properties: { value: { type: 'string', pattern: '^[0-9]+$' } } } },
        { if: { properties: { dataType: { const: 'NUMERIC' } } }, then: { properties: { value: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' } } } },
      ],
    },
    action: {
      oneOf: [{ $ref: '#/definitions/iframe' }, { $ref: '#/definitions/hook' }, { $ref: '#/definitions/confirmationHook' }],
    },
    iframe: {
      type: 'object',
      required: ['type', 'uri', 'label', 'width', 'height'],
      additionalProperties: false,
      properties: {
        type: { const: 'IFRAME' },
        width: { type: 'integer', minimum: 1 },
        height: { type: 'integer', minimum: 1 },
        uri: actionCommon.uri,
        label: actionCommon.label,
        associatedObjectProperties: actionCommon.associatedObjectProperties,
      },
    },
    hook: {
      type: 'object',
      required: ['type', 'httpMethod', 'uri', 'label'],
      additionalProperties: false,
      properties: { type: { const: 'ACTION_HOOK' }, ...actionCommon },
    },
    confirmationHook: {
      type: 'object',
      required: ['type', 'httpMethod', 'uri', 'label', 'confirmationMessage', 'confirmButtonText', 'cancelButtonText'],
      additionalProperties: false,
      properties: {
        type: { const: 'CONFIRMATION_ACTION_HOOK' },
        ...actionCommon,
        confirmationMessage: { type: 'string', minLength: 1 },
        confirmButtonText: { type: 'string', minLength: 1 },
        cancelButtonText: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;
