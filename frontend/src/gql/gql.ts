/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    role\n    user { id email displayName }\n    organization { id name slug }\n  }\n": typeof types.SessionFieldsFragmentDoc,
    "\n  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }\n": typeof types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ...SessionFields } }\n": typeof types.SignUpDocument,
    "\n  mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ...SessionFields } }\n": typeof types.RefreshDocument,
    "\n  mutation Switch($input: SwitchOrganizationInput!) {\n    switchOrganization(input: $input) { ...SessionFields }\n  }\n": typeof types.SwitchDocument,
    "\n  mutation Logout { logout { success } }\n": typeof types.LogoutDocument,
    "\n  query MyOrganizations { me { organizations { role organization { id name slug } } } }\n": typeof types.MyOrganizationsDocument,
    "\n  query Fleet {\n    sites(first: 100) {\n      nodes {\n        id\n        code\n        name\n        zones {\n          id\n          code\n          name\n          assets { id code name kind status vendor model }\n        }\n      }\n    }\n  }\n": typeof types.FleetDocument,
    "\n  subscription AssetStatus { assetStatusChanged { assetId status } }\n": typeof types.AssetStatusDocument,
    "\n  fragment InboxAlertFields on Alert {\n    id\n    severity\n    status\n    title\n    message\n    lastSeenAt\n    updatedAt\n    acknowledgedAt\n    acknowledgedBy { displayName }\n    asset { id name code site { id } }\n  }\n": typeof types.InboxAlertFieldsFragmentDoc,
    "\n  query OpenAlerts {\n    alerts(first: 200, filter: { status: [OPEN, ACKNOWLEDGED] }) {\n      nodes { ...InboxAlertFields }\n    }\n  }\n": typeof types.OpenAlertsDocument,
    "\n  subscription AlertEvents($after: String) {\n    alerts(after: $after) { seq kind alert { ...InboxAlertFields } }\n  }\n": typeof types.AlertEventsDocument,
    "\n  mutation Acknowledge($input: AlertTransitionInput!) {\n    acknowledgeAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n": typeof types.AcknowledgeDocument,
    "\n  mutation Resolve($input: AlertTransitionInput!) {\n    resolveAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n": typeof types.ResolveDocument,
    "\n  query Asset($id: ID!) {\n    asset(id: $id) {\n      id\n      code\n      name\n      kind\n      status\n      vendor\n      model\n      site { id name }\n      zone { id name }\n      latest { metric value unit ts }\n    }\n  }\n": typeof types.AssetDocument,
    "\n  query AssetHistory($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!) {\n    asset(id: $id) {\n      id\n      telemetry(metric: $metric, from: $from, to: $to, maxPoints: 2000) {\n        bucketSeconds\n        points { ts value }\n        buckets { start avg }\n      }\n    }\n  }\n": typeof types.AssetHistoryDocument,
    "\n  subscription AssetTelemetry($assetIds: [ID!]) {\n    telemetry(assetIds: $assetIds) { readings { metric ts value } }\n  }\n": typeof types.AssetTelemetryDocument,
    "\n  query ActiveStops {\n    emergencyStops(first: 100, filter: { active: true }) {\n      nodes {\n        id\n        scope\n        reason\n        triggeredAt\n        triggeredBy { displayName }\n        asset { id name code }\n        zone { id name }\n        site { id name }\n        haltedAssets { asset { id } }\n      }\n    }\n  }\n": typeof types.ActiveStopsDocument,
    "\n  mutation TriggerStop($input: TriggerEmergencyStopInput!) {\n    triggerEmergencyStop(input: $input) { emergencyStop { id } }\n  }\n": typeof types.TriggerStopDocument,
    "\n  mutation ResetStop($input: ResetEmergencyStopInput!) {\n    resetEmergencyStop(input: $input) { emergencyStop { id active } }\n  }\n": typeof types.ResetStopDocument,
};
const documents: Documents = {
    "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    role\n    user { id email displayName }\n    organization { id name slug }\n  }\n": types.SessionFieldsFragmentDoc,
    "\n  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }\n": types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ...SessionFields } }\n": types.SignUpDocument,
    "\n  mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ...SessionFields } }\n": types.RefreshDocument,
    "\n  mutation Switch($input: SwitchOrganizationInput!) {\n    switchOrganization(input: $input) { ...SessionFields }\n  }\n": types.SwitchDocument,
    "\n  mutation Logout { logout { success } }\n": types.LogoutDocument,
    "\n  query MyOrganizations { me { organizations { role organization { id name slug } } } }\n": types.MyOrganizationsDocument,
    "\n  query Fleet {\n    sites(first: 100) {\n      nodes {\n        id\n        code\n        name\n        zones {\n          id\n          code\n          name\n          assets { id code name kind status vendor model }\n        }\n      }\n    }\n  }\n": types.FleetDocument,
    "\n  subscription AssetStatus { assetStatusChanged { assetId status } }\n": types.AssetStatusDocument,
    "\n  fragment InboxAlertFields on Alert {\n    id\n    severity\n    status\n    title\n    message\n    lastSeenAt\n    updatedAt\n    acknowledgedAt\n    acknowledgedBy { displayName }\n    asset { id name code site { id } }\n  }\n": types.InboxAlertFieldsFragmentDoc,
    "\n  query OpenAlerts {\n    alerts(first: 200, filter: { status: [OPEN, ACKNOWLEDGED] }) {\n      nodes { ...InboxAlertFields }\n    }\n  }\n": types.OpenAlertsDocument,
    "\n  subscription AlertEvents($after: String) {\n    alerts(after: $after) { seq kind alert { ...InboxAlertFields } }\n  }\n": types.AlertEventsDocument,
    "\n  mutation Acknowledge($input: AlertTransitionInput!) {\n    acknowledgeAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n": types.AcknowledgeDocument,
    "\n  mutation Resolve($input: AlertTransitionInput!) {\n    resolveAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n": types.ResolveDocument,
    "\n  query Asset($id: ID!) {\n    asset(id: $id) {\n      id\n      code\n      name\n      kind\n      status\n      vendor\n      model\n      site { id name }\n      zone { id name }\n      latest { metric value unit ts }\n    }\n  }\n": types.AssetDocument,
    "\n  query AssetHistory($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!) {\n    asset(id: $id) {\n      id\n      telemetry(metric: $metric, from: $from, to: $to, maxPoints: 2000) {\n        bucketSeconds\n        points { ts value }\n        buckets { start avg }\n      }\n    }\n  }\n": types.AssetHistoryDocument,
    "\n  subscription AssetTelemetry($assetIds: [ID!]) {\n    telemetry(assetIds: $assetIds) { readings { metric ts value } }\n  }\n": types.AssetTelemetryDocument,
    "\n  query ActiveStops {\n    emergencyStops(first: 100, filter: { active: true }) {\n      nodes {\n        id\n        scope\n        reason\n        triggeredAt\n        triggeredBy { displayName }\n        asset { id name code }\n        zone { id name }\n        site { id name }\n        haltedAssets { asset { id } }\n      }\n    }\n  }\n": types.ActiveStopsDocument,
    "\n  mutation TriggerStop($input: TriggerEmergencyStopInput!) {\n    triggerEmergencyStop(input: $input) { emergencyStop { id } }\n  }\n": types.TriggerStopDocument,
    "\n  mutation ResetStop($input: ResetEmergencyStopInput!) {\n    resetEmergencyStop(input: $input) { emergencyStop { id active } }\n  }\n": types.ResetStopDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    role\n    user { id email displayName }\n    organization { id name slug }\n  }\n"): (typeof documents)["\n  fragment SessionFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    role\n    user { id email displayName }\n    organization { id name slug }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }\n"): (typeof documents)["\n  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ...SessionFields } }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ...SessionFields } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ...SessionFields } }\n"): (typeof documents)["\n  mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ...SessionFields } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Switch($input: SwitchOrganizationInput!) {\n    switchOrganization(input: $input) { ...SessionFields }\n  }\n"): (typeof documents)["\n  mutation Switch($input: SwitchOrganizationInput!) {\n    switchOrganization(input: $input) { ...SessionFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout { logout { success } }\n"): (typeof documents)["\n  mutation Logout { logout { success } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrganizations { me { organizations { role organization { id name slug } } } }\n"): (typeof documents)["\n  query MyOrganizations { me { organizations { role organization { id name slug } } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Fleet {\n    sites(first: 100) {\n      nodes {\n        id\n        code\n        name\n        zones {\n          id\n          code\n          name\n          assets { id code name kind status vendor model }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Fleet {\n    sites(first: 100) {\n      nodes {\n        id\n        code\n        name\n        zones {\n          id\n          code\n          name\n          assets { id code name kind status vendor model }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AssetStatus { assetStatusChanged { assetId status } }\n"): (typeof documents)["\n  subscription AssetStatus { assetStatusChanged { assetId status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment InboxAlertFields on Alert {\n    id\n    severity\n    status\n    title\n    message\n    lastSeenAt\n    updatedAt\n    acknowledgedAt\n    acknowledgedBy { displayName }\n    asset { id name code site { id } }\n  }\n"): (typeof documents)["\n  fragment InboxAlertFields on Alert {\n    id\n    severity\n    status\n    title\n    message\n    lastSeenAt\n    updatedAt\n    acknowledgedAt\n    acknowledgedBy { displayName }\n    asset { id name code site { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenAlerts {\n    alerts(first: 200, filter: { status: [OPEN, ACKNOWLEDGED] }) {\n      nodes { ...InboxAlertFields }\n    }\n  }\n"): (typeof documents)["\n  query OpenAlerts {\n    alerts(first: 200, filter: { status: [OPEN, ACKNOWLEDGED] }) {\n      nodes { ...InboxAlertFields }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlertEvents($after: String) {\n    alerts(after: $after) { seq kind alert { ...InboxAlertFields } }\n  }\n"): (typeof documents)["\n  subscription AlertEvents($after: String) {\n    alerts(after: $after) { seq kind alert { ...InboxAlertFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Acknowledge($input: AlertTransitionInput!) {\n    acknowledgeAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n"): (typeof documents)["\n  mutation Acknowledge($input: AlertTransitionInput!) {\n    acknowledgeAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Resolve($input: AlertTransitionInput!) {\n    resolveAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n"): (typeof documents)["\n  mutation Resolve($input: AlertTransitionInput!) {\n    resolveAlert(input: $input) { alert { ...InboxAlertFields } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Asset($id: ID!) {\n    asset(id: $id) {\n      id\n      code\n      name\n      kind\n      status\n      vendor\n      model\n      site { id name }\n      zone { id name }\n      latest { metric value unit ts }\n    }\n  }\n"): (typeof documents)["\n  query Asset($id: ID!) {\n    asset(id: $id) {\n      id\n      code\n      name\n      kind\n      status\n      vendor\n      model\n      site { id name }\n      zone { id name }\n      latest { metric value unit ts }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetHistory($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!) {\n    asset(id: $id) {\n      id\n      telemetry(metric: $metric, from: $from, to: $to, maxPoints: 2000) {\n        bucketSeconds\n        points { ts value }\n        buckets { start avg }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AssetHistory($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!) {\n    asset(id: $id) {\n      id\n      telemetry(metric: $metric, from: $from, to: $to, maxPoints: 2000) {\n        bucketSeconds\n        points { ts value }\n        buckets { start avg }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AssetTelemetry($assetIds: [ID!]) {\n    telemetry(assetIds: $assetIds) { readings { metric ts value } }\n  }\n"): (typeof documents)["\n  subscription AssetTelemetry($assetIds: [ID!]) {\n    telemetry(assetIds: $assetIds) { readings { metric ts value } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActiveStops {\n    emergencyStops(first: 100, filter: { active: true }) {\n      nodes {\n        id\n        scope\n        reason\n        triggeredAt\n        triggeredBy { displayName }\n        asset { id name code }\n        zone { id name }\n        site { id name }\n        haltedAssets { asset { id } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ActiveStops {\n    emergencyStops(first: 100, filter: { active: true }) {\n      nodes {\n        id\n        scope\n        reason\n        triggeredAt\n        triggeredBy { displayName }\n        asset { id name code }\n        zone { id name }\n        site { id name }\n        haltedAssets { asset { id } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TriggerStop($input: TriggerEmergencyStopInput!) {\n    triggerEmergencyStop(input: $input) { emergencyStop { id } }\n  }\n"): (typeof documents)["\n  mutation TriggerStop($input: TriggerEmergencyStopInput!) {\n    triggerEmergencyStop(input: $input) { emergencyStop { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetStop($input: ResetEmergencyStopInput!) {\n    resetEmergencyStop(input: $input) { emergencyStop { id active } }\n  }\n"): (typeof documents)["\n  mutation ResetStop($input: ResetEmergencyStopInput!) {\n    resetEmergencyStop(input: $input) { emergencyStop { id active } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;