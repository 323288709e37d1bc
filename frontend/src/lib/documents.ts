// Every GraphQL operation of the app, typed by codegen from ../schema.graphql.
import { graphql } from '../gql';

export const SessionFields = graphql(`
  fragment SessionFields on AuthPayload {
    accessToken
    accessTokenExpiresAt
    refreshToken
    refreshTokenExpiresAt
    role
    user { id email displayName }
    organization { id name slug }
  }
`);

export const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }
`);

export const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ...SessionFields } }
`);

export const RefreshMutation = graphql(`
  mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ...SessionFields } }
`);

export const SwitchMutation = graphql(`
  mutation Switch($input: SwitchOrganizationInput!) {
    switchOrganization(input: $input) { ...SessionFields }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout { logout { success } }
`);

export const MyOrganizationsQuery = graphql(`
  query MyOrganizations { me { organizations { role organization { id name slug } } } }
`);

export const FleetQuery = graphql(`
  query Fleet {
    sites(first: 100) {
      nodes {
        id
        code
        name
        zones {
          id
          code
          name
          assets { id code name kind status vendor model }
        }
      }
    }
  }
`);

export const AssetStatusSubscription = graphql(`
  subscription AssetStatus { assetStatusChanged { assetId status } }
`);

export const InboxAlertFields = graphql(`
  fragment InboxAlertFields on Alert {
    id
    severity
    status
    title
    message
    lastSeenAt
    updatedAt
    acknowledgedAt
    acknowledgedBy { displayName }
    asset { id name code site { id } }
  }
`);

export const OpenAlertsQuery = graphql(`
  query OpenAlerts {
    alerts(first: 200, filter: { status: [OPEN, ACKNOWLEDGED] }) {
      nodes { ...InboxAlertFields }
    }
  }
`);

export const AlertEventsSubscription = graphql(`
  subscription AlertEvents($after: String) {
    alerts(after: $after) { seq kind alert { ...InboxAlertFields } }
  }
`);

export const AcknowledgeMutation = graphql(`
  mutation Acknowledge($input: AlertTransitionInput!) {
    acknowledgeAlert(input: $input) { alert { ...InboxAlertFields } }
  }
`);

export const ResolveMutation = graphql(`
  mutation Resolve($input: AlertTransitionInput!) {
    resolveAlert(input: $input) { alert { ...InboxAlertFields } }
  }
`);

export const AssetQuery = graphql(`
  query Asset($id: ID!) {
    asset(id: $id) {
      id
      code
      name
      kind
      status
      vendor
      model
      site { id name }
      zone { id name }
      latest { metric value unit ts }
    }
  }
`);

export const AssetHistoryQuery = graphql(`
  query AssetHistory($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!) {
    asset(id: $id) {
      id
      telemetry(metric: $metric, from: $from, to: $to, maxPoints: 2000) {
        bucketSeconds
        points { ts value }
        buckets { start avg }
      }
    }
  }
`);

export const AssetTelemetrySubscription = graphql(`
  subscription AssetTelemetry($assetIds: [ID!]) {
    telemetry(assetIds: $assetIds) { readings { metric ts value } }
  }
`);

export const ActiveStopsQuery = graphql(`
  query ActiveStops {
    emergencyStops(first: 100, filter: { active: true }) {
      nodes {
        id
        scope
        reason
        triggeredAt
        triggeredBy { displayName }
        asset { id name code }
        zone { id name }
        site { id name }
        haltedAssets { asset { id } }
      }
    }
  }
`);

export const TriggerStopMutation = graphql(`
  mutation TriggerStop($input: TriggerEmergencyStopInput!) {
    triggerEmergencyStop(input: $input) { emergencyStop { id } }
  }
`);

export const ResetStopMutation = graphql(`
  mutation ResetStop($input: ResetEmergencyStopInput!) {
    resetEmergencyStop(input: $input) { emergencyStop { id active } }
  }
`);
