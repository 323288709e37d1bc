/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  Decimal: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

/** The organization joined; `switchOrganization` opens a session there. */
export type AcceptInvitationPayload = {
  __typename?: 'AcceptInvitationPayload';
  organization: Organization;
  role: Role;
};

/** Who caused a recorded change. */
export type ActorKind =
  | 'API_KEY'
  /** A device through the MQTT bridge. */
  | 'DEVICE'
  /** Fleetgraph itself (a worker or a rule). */
  | 'SYSTEM'
  | 'USER';

export type Alert = {
  __typename?: 'Alert';
  acknowledgeComment?: Maybe<Scalars['String']['output']>;
  acknowledgedAt?: Maybe<Scalars['DateTime']['output']>;
  acknowledgedBy?: Maybe<User>;
  /** The asset it is about; null for an organization-wide alert. */
  asset?: Maybe<Asset>;
  createdAt: Scalars['DateTime']['output'];
  /** When the condition started (measurement time). */
  firstSeenAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: AlertKind;
  /** The newest breaching reading (measurement time). */
  lastSeenAt: Scalars['DateTime']['output'];
  message?: Maybe<Scalars['String']['output']>;
  metric?: Maybe<Scalars['String']['output']>;
  /** How many breaching readings it has seen. */
  occurrences: Scalars['Int']['output'];
  resolveComment?: Maybe<Scalars['String']['output']>;
  resolvedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Who resolved it; null when it cleared by itself or an API key resolved it. */
  resolvedBy?: Maybe<User>;
  /** The rule that raised it (null for other kinds, or once the rule is deleted). */
  rule?: Maybe<AlertRule>;
  /** Escalates while the alert is unresolved, never de-escalates. */
  severity: Severity;
  /** What raised it: `rule` (threshold alerts), `manual`, ... */
  source: Scalars['String']['output'];
  status: AlertStatus;
  /** The threshold of the current severity. */
  threshold?: Maybe<Scalars['Float']['output']>;
  title: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /** The last breaching value. */
  value?: Maybe<Scalars['Float']['output']>;
};

export type AlertConnection = {
  __typename?: 'AlertConnection';
  /** A list of edges. */
  edges: Array<AlertEdge>;
  /** A list of nodes. */
  nodes: Array<Alert>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** Alerts by severity. */
export type AlertCounts = {
  __typename?: 'AlertCounts';
  critical: Scalars['Int']['output'];
  error: Scalars['Int']['output'];
  info: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
  warning: Scalars['Int']['output'];
};

export type AlertDirection =
  /** Breached at or above the thresholds. */
  | 'ABOVE'
  /** Breached at or below the thresholds. */
  | 'BELOW';

/** An edge in a connection. */
export type AlertEdge = {
  __typename?: 'AlertEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Alert;
};

export type AlertEvent = {
  __typename?: 'AlertEvent';
  alert: Alert;
  kind: AlertEventKind;
  /** The cursor of this event (pass it as `after` to resume). */
  seq: Scalars['String']['output'];
};

export type AlertEventKind =
  | 'ACKNOWLEDGED'
  | 'RAISED'
  | 'RESOLVED'
  | 'UPDATED';

export type AlertEventPage = {
  __typename?: 'AlertEventPage';
  /** Where to resume: the last event's cursor, or `after` when there were none. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** In the order they happened. */
  events: Array<AlertEvent>;
  /** Whether more events follow `endCursor` already. */
  hasMore: Scalars['Boolean']['output'];
};

export type AlertFilter = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** Raised at or after. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  kind?: InputMaybe<AlertKind>;
  /** This severity or a higher one. */
  minSeverity?: InputMaybe<Severity>;
  /** Any of these severities. */
  severity?: InputMaybe<Array<Severity>>;
  /** Alerts of the site's assets. */
  siteId?: InputMaybe<Scalars['ID']['input']>;
  /** Any of these statuses. */
  status?: InputMaybe<Array<AlertStatus>>;
  /** Raised before. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type AlertKind =
  /** An emergency stop was triggered. */
  | 'ESTOP'
  /** A maintenance task is overdue. */
  | 'MAINTENANCE'
  /** Raised by a person or an integration. */
  | 'MANUAL'
  /** The asset stopped reporting. */
  | 'OFFLINE'
  /** Raised by an alert rule. */
  | 'THRESHOLD';

export type AlertOrder = {
  /** Newest first unless told otherwise. */
  direction?: OrderDirection;
  field?: AlertOrderField;
};

export type AlertOrderField =
  /** Raise time. */
  | 'CREATED_AT';

export type AlertPayload = {
  __typename?: 'AlertPayload';
  alert: Alert;
};

export type AlertRule = {
  __typename?: 'AlertRule';
  /**
   * The one asset it applies to; it then replaces the organization-wide rules of its metric
   * for that asset.
   */
  asset?: Maybe<Asset>;
  /**
   * How far back past the lowest (ABOVE) or highest (BELOW) threshold a value must return
   * before the alert resolves by itself.
   */
  clearHysteresis: Scalars['Float']['output'];
  createdAt: Scalars['DateTime']['output'];
  criticalThreshold?: Maybe<Scalars['Float']['output']>;
  direction: AlertDirection;
  enabled: Scalars['Boolean']['output'];
  /** How long a breach must last before an alert is raised; 0 raises at once. */
  forSeconds: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  metric: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** Whether it applies to every asset (no `asset`) of the organization. */
  organizationWide: Scalars['Boolean']['output'];
  updatedAt: Scalars['DateTime']['output'];
  warningThreshold?: Maybe<Scalars['Float']['output']>;
};

export type AlertRuleFilter = {
  /** Only the rules of this asset. */
  assetId?: InputMaybe<Scalars['ID']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  metric?: InputMaybe<Scalars['String']['input']>;
};

export type AlertRuleIdInput = {
  id: Scalars['ID']['input'];
};

export type AlertRulePayload = {
  __typename?: 'AlertRulePayload';
  alertRule: AlertRule;
};

export type AlertStatus =
  | 'ACKNOWLEDGED'
  | 'OPEN'
  | 'RESOLVED';

export type AlertTransitionInput = {
  comment?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
};

export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  createdBy?: Maybe<User>;
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the secret, to recognise the key. */
  prefix: Scalars['String']['output'];
  rateLimitPerMinute?: Maybe<Scalars['Int']['output']>;
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  scopes: Array<Scalars['String']['output']>;
};

export type ApiKeyConnection = {
  __typename?: 'ApiKeyConnection';
  /** A list of edges. */
  edges: Array<ApiKeyEdge>;
  /** A list of nodes. */
  nodes: Array<ApiKey>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ApiKeyEdge = {
  __typename?: 'ApiKeyEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: ApiKey;
};

export type ApiKeyPayload = {
  __typename?: 'ApiKeyPayload';
  apiKey: ApiKey;
};

/** Anything monitored: a robot or a machine. */
export type Asset = {
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  availability: Availability;
  code: Scalars['String']['output'];
  commands: CommandConnection;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  jobs: JobConnection;
  kind: AssetKind;
  lastSeenAt?: Maybe<Scalars['DateTime']['output']>;
  latest: Array<TelemetryValue>;
  maintenanceTasks: MaintenanceTaskConnection;
  model: Scalars['String']['output'];
  name: Scalars['String']['output'];
  serialNumber?: Maybe<Scalars['String']['output']>;
  site?: Maybe<Site>;
  status: AssetStatus;
  statusHistory: StatusChangeConnection;
  telemetry: TelemetrySeries;
  updatedAt: Scalars['DateTime']['output'];
  vendor: Scalars['String']['output'];
  zone?: Maybe<Zone>;
};


/** Anything monitored: a robot or a machine. */
export type AssetAvailabilityArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


/** Anything monitored: a robot or a machine. */
export type AssetCommandsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<CommandStatus>>;
};


/** Anything monitored: a robot or a machine. */
export type AssetJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<JobStatus>>;
};


/** Anything monitored: a robot or a machine. */
export type AssetLatestArgs = {
  metrics?: InputMaybe<Array<Scalars['String']['input']>>;
};


/** Anything monitored: a robot or a machine. */
export type AssetMaintenanceTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MaintenanceTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<MaintenanceTaskOrder>;
};


/** Anything monitored: a robot or a machine. */
export type AssetStatusHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


/** Anything monitored: a robot or a machine. */
export type AssetTelemetryArgs = {
  bucket?: InputMaybe<Scalars['Int']['input']>;
  from: Scalars['DateTime']['input'];
  maxPoints?: InputMaybe<Scalars['Int']['input']>;
  metric: Scalars['String']['input'];
  to: Scalars['DateTime']['input'];
};

export type AssetConnection = {
  __typename?: 'AssetConnection';
  /** A list of edges. */
  edges: Array<AssetEdge>;
  /** A list of nodes. */
  nodes: Array<Asset>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AssetEdge = {
  __typename?: 'AssetEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Asset;
};

export type AssetFilter = {
  includeArchived?: Scalars['Boolean']['input'];
  kind?: InputMaybe<AssetKind>;
  /** Case-insensitive substring of name, code or serial number. */
  search?: InputMaybe<Scalars['String']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  /** Any of these statuses. */
  status?: InputMaybe<Array<AssetStatus>>;
  /** Exact vendor, case-insensitive. */
  vendor?: InputMaybe<Scalars['String']['input']>;
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

export type AssetIdInput = {
  id: Scalars['ID']['input'];
};

export type AssetKind =
  | 'MACHINE'
  | 'ROBOT';

export type AssetOrder = {
  direction?: OrderDirection;
  field?: AssetOrderField;
};

export type AssetOrderField =
  | 'CODE'
  | 'CREATED_AT'
  | 'NAME'
  | 'STATUS';

export type AssetPayload = {
  __typename?: 'AssetPayload';
  asset: Asset;
};

export type AssetStatus =
  | 'BUSY'
  | 'ERROR'
  | 'E_STOPPED'
  | 'IDLE'
  | 'MAINTENANCE'
  | 'OFFLINE'
  | 'ONLINE';

/** An asset changed status. */
export type AssetStatusChange = {
  __typename?: 'AssetStatusChange';
  assetId: Scalars['ID']['output'];
  at: Scalars['DateTime']['output'];
  code: Scalars['String']['output'];
  previous: AssetStatus;
  /** Why: `manual update`, `telemetry resumed`, `no telemetry for N s`, ... */
  reason: Scalars['String']['output'];
  siteId: Scalars['ID']['output'];
  status: AssetStatus;
};

export type AssetStatusCount = {
  __typename?: 'AssetStatusCount';
  count: Scalars['Int']['output'];
  status: AssetStatus;
};

export type AuditLog = {
  __typename?: 'AuditLog';
  /** The mutation, e.g. `createSite`. */
  action: Scalars['String']['output'];
  actorApiKey?: Maybe<ApiKey>;
  actorUser?: Maybe<User>;
  /** The fields written and their new values. */
  changes?: Maybe<Scalars['JSON']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** The error code of a refused mutation. */
  errorCode?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  ip?: Maybe<Scalars['String']['output']>;
  requestId?: Maybe<Scalars['String']['output']>;
  resourceId?: Maybe<Scalars['ID']['output']>;
  resourceType?: Maybe<Scalars['String']['output']>;
  success: Scalars['Boolean']['output'];
};

export type AuditLogConnection = {
  __typename?: 'AuditLogConnection';
  /** A list of edges. */
  edges: Array<AuditLogEdge>;
  /** A list of nodes. */
  nodes: Array<AuditLog>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AuditLogEdge = {
  __typename?: 'AuditLogEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: AuditLog;
};

export type AuditLogFilter = {
  action?: InputMaybe<Scalars['String']['input']>;
  actorApiKeyId?: InputMaybe<Scalars['ID']['input']>;
  actorUserId?: InputMaybe<Scalars['ID']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  resourceId?: InputMaybe<Scalars['ID']['input']>;
  resourceType?: InputMaybe<Scalars['String']['input']>;
  success?: InputMaybe<Scalars['Boolean']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type AuthPayload = {
  __typename?: 'AuthPayload';
  accessToken: Scalars['String']['output'];
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  organization: Organization;
  refreshToken: Scalars['String']['output'];
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
  role: Role;
  user: User;
};

/** How an asset spent a time range. */
export type Availability = {
  __typename?: 'Availability';
  /**
   * The availability factor of OEE: the share of observed time in a status where the asset
   * could work (online, idle, busy). Null when nothing was observed.
   */
  factor?: Maybe<Scalars['Float']['output']>;
  from: Scalars['DateTime']['output'];
  /**
   * The part of the range that is observed: after the asset was created and not in the
   * future.
   */
  observedSeconds: Scalars['Float']['output'];
  /** Time per status, most first. */
  statuses: Array<StatusShare>;
  to: Scalars['DateTime']['output'];
};

export type CancelJobInput = {
  id: Scalars['ID']['input'];
  /** Kept in `error`. */
  reason?: InputMaybe<Scalars['String']['input']>;
};

export type CancelMaintenanceTaskInput = {
  id: Scalars['ID']['input'];
  /** Why; kept as the task's notes. */
  note?: InputMaybe<Scalars['String']['input']>;
};

export type ChangePasswordInput = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};

export type Command = {
  __typename?: 'Command';
  acknowledgedAt?: Maybe<Scalars['DateTime']['output']>;
  asset: Asset;
  /** What to do: a key such as `stop`, `home`, `reboot`, `update_config`. */
  command: Scalars['String']['output'];
  /** When it completed or failed. */
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** The member who sent it; null when an API key did. */
  createdBy?: Maybe<User>;
  /** The API key that sent it; null when a member did. */
  createdByApiKeyId?: Maybe<Scalars['ID']['output']>;
  /** Why it failed or expired. */
  error?: Maybe<Scalars['String']['output']>;
  /** Expires unless acknowledged by then. */
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Not delivered before this time. */
  notBefore?: Maybe<Scalars['DateTime']['output']>;
  /** Arguments for the device (a JSON object). */
  payload: Scalars['JSON']['output'];
  priority: Priority;
  /** When it became deliverable; null while scheduled. */
  releasedAt?: Maybe<Scalars['DateTime']['output']>;
  result?: Maybe<Scalars['JSON']['output']>;
  sentAt?: Maybe<Scalars['DateTime']['output']>;
  status: CommandStatus;
  updatedAt: Scalars['DateTime']['output'];
};

/** What happened to a command. */
export type CommandChangeKind =
  | 'ACKNOWLEDGED'
  | 'COMPLETED'
  /** Sent and deliverable at once. */
  | 'CREATED'
  /** A scheduled command became deliverable. */
  | 'DUE'
  | 'EXPIRED'
  | 'FAILED'
  /** Sent with a future `notBefore`: not deliverable yet. */
  | 'SCHEDULED'
  | 'SENT';

export type CommandConnection = {
  __typename?: 'CommandConnection';
  /** A list of edges. */
  edges: Array<CommandEdge>;
  /** A list of nodes. */
  nodes: Array<Command>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type CommandEdge = {
  __typename?: 'CommandEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Command;
};

export type CommandFilter = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** This command key. */
  command?: InputMaybe<Scalars['String']['input']>;
  /** Sent at or after. */
  createdFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Sent before. */
  createdTo?: InputMaybe<Scalars['DateTime']['input']>;
  /** Commands to the site's assets. */
  siteId?: InputMaybe<Scalars['ID']['input']>;
  /** Any of these statuses. */
  status?: InputMaybe<Array<CommandStatus>>;
};

export type CommandIdInput = {
  id: Scalars['ID']['input'];
};

export type CommandOrder = {
  /** Newest first unless told otherwise. */
  direction?: OrderDirection;
  field?: CommandOrderField;
};

export type CommandOrderField =
  | 'CREATED_AT';

export type CommandPayload = {
  __typename?: 'CommandPayload';
  command: Command;
};

export type CommandStatus =
  | 'ACKNOWLEDGED'
  | 'COMPLETED'
  | 'EXPIRED'
  | 'FAILED'
  | 'PENDING'
  | 'SENT';

/** One change of a command, with the command as it was right after it. */
export type CommandUpdate = {
  __typename?: 'CommandUpdate';
  command: Command;
  kind: CommandChangeKind;
};

export type CompleteCommandInput = {
  id: Scalars['ID']['input'];
  /** Any JSON (at most 64 KiB). */
  result?: InputMaybe<Scalars['JSON']['input']>;
};

export type CompleteJobInput = {
  id: Scalars['ID']['input'];
  /** Any JSON (at most 64 KiB). */
  result?: InputMaybe<Scalars['JSON']['input']>;
};

export type CompleteMaintenanceTaskInput = {
  /** Else the minutes from start to completion. */
  actualMinutes?: InputMaybe<Scalars['Int']['input']>;
  /**
   * At most two decimals, not negative. Send it as a string (`"12.50"`) to keep it exact;
   * a JSON number goes through a binary float first.
   */
  cost?: InputMaybe<Scalars['Decimal']['input']>;
  id: Scalars['ID']['input'];
  notes?: InputMaybe<Scalars['String']['input']>;
  /** At most 50. */
  partsUsed?: InputMaybe<Array<PartUsedInput>>;
};

export type CreateAlertRuleInput = {
  /** The asset the rule is for; organization-wide when omitted. */
  assetId?: InputMaybe<Scalars['ID']['input']>;
  clearHysteresis?: Scalars['Float']['input'];
  criticalThreshold?: InputMaybe<Scalars['Float']['input']>;
  direction: AlertDirection;
  enabled?: Scalars['Boolean']['input'];
  /** 0..=86400. */
  forSeconds?: Scalars['Int']['input'];
  /** Metric key, e.g. `cpu`. */
  metric: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** ABOVE: below the critical threshold; BELOW: above it. At least one threshold is needed. */
  warningThreshold?: InputMaybe<Scalars['Float']['input']>;
};

export type CreateApiKeyInput = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  name: Scalars['String']['input'];
  /** Requests per minute this key may make; unlimited when null. */
  rateLimitPerMinute?: InputMaybe<Scalars['Int']['input']>;
  /** Scopes such as `assets:read`, `telemetry:write`, `jobs:write`. */
  scopes: Array<Scalars['String']['input']>;
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey: ApiKey;
  /** The whole key. Shown this once; only its hash is stored. */
  secret: Scalars['String']['output'];
};

export type CreateJobInput = {
  assetId: Scalars['ID']['input'];
  /** How many items the job processes, if known; enables `percentComplete`. */
  itemsTotal?: InputMaybe<Scalars['Int']['input']>;
  /** 1-64 lower-case letters, digits or `_`, starting with a letter: `pick_run`, ... */
  kind: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** A JSON object for the device (at most 64 KiB); `{}` when omitted. */
  payload?: InputMaybe<Scalars['JSON']['input']>;
  priority?: Priority;
};

export type CreateMachineInput = {
  code: Scalars['String']['input'];
  configuration?: InputMaybe<Scalars['JSON']['input']>;
  edgeNode?: InputMaybe<Scalars['String']['input']>;
  model: Scalars['String']['input'];
  name: Scalars['String']['input'];
  requiresBadge?: InputMaybe<Scalars['Boolean']['input']>;
  serialNumber?: InputMaybe<Scalars['String']['input']>;
  sessionTimeoutMinutes?: InputMaybe<Scalars['Int']['input']>;
  siteId: Scalars['ID']['input'];
  status?: InputMaybe<AssetStatus>;
  vendor: Scalars['String']['input'];
  warningMinutes?: InputMaybe<Scalars['Int']['input']>;
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

export type CreateMaintenanceTaskInput = {
  assetId: Scalars['ID']['input'];
  /** The user id of a member who may work on maintenance on the asset's site. */
  assigneeId?: InputMaybe<Scalars['ID']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  dueAt: Scalars['DateTime']['input'];
  estimatedMinutes?: InputMaybe<Scalars['Int']['input']>;
  kind: MaintenanceKind;
  notes?: InputMaybe<Scalars['String']['input']>;
  priority?: Priority;
  /** Preventive tasks only. */
  recurrence?: InputMaybe<RecurrenceInput>;
  title: Scalars['String']['input'];
};

export type CreateOrganizationInput = {
  name: Scalars['String']['input'];
  /** Lower-case letters, digits and hyphens; unique across the deployment. */
  slug: Scalars['String']['input'];
};

export type CreateRobotInput = {
  code: Scalars['String']['input'];
  configuration?: InputMaybe<Scalars['JSON']['input']>;
  firmwareVersion?: InputMaybe<Scalars['String']['input']>;
  location?: InputMaybe<LocationInput>;
  model: Scalars['String']['input'];
  name: Scalars['String']['input'];
  serialNumber?: InputMaybe<Scalars['String']['input']>;
  siteId: Scalars['ID']['input'];
  status?: InputMaybe<AssetStatus>;
  vendor: Scalars['String']['input'];
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

export type CreateSiteInput = {
  address?: InputMaybe<Scalars['String']['input']>;
  /** Unique in the organization; letters, digits, `-`, `_` (stored upper-case). */
  code: Scalars['String']['input'];
  latitude?: InputMaybe<Scalars['Float']['input']>;
  longitude?: InputMaybe<Scalars['Float']['input']>;
  name: Scalars['String']['input'];
  /** IANA timezone, e.g. `Europe/Berlin` (default UTC). */
  timezone?: InputMaybe<Scalars['String']['input']>;
};

export type CreateZoneInput = {
  /** Unique within the site. */
  code: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  siteId: Scalars['ID']['input'];
};

export type DeletePayload = {
  __typename?: 'DeletePayload';
  deletedId: Scalars['ID']['output'];
};

export type EmergencyStop = {
  __typename?: 'EmergencyStop';
  /** Whether it still holds its assets. */
  active: Scalars['Boolean']['output'];
  /** The critical alert raised for it. */
  alertId?: Maybe<Scalars['ID']['output']>;
  /** The asset stopped, for an ASSET stop. */
  asset?: Maybe<Asset>;
  /** Every asset it halted, with the status each returns to at the reset. */
  haltedAssets: Array<HaltedAsset>;
  id: Scalars['ID']['output'];
  reason: Scalars['String']['output'];
  resetAt?: Maybe<Scalars['DateTime']['output']>;
  resetBy?: Maybe<User>;
  resetNote?: Maybe<Scalars['String']['output']>;
  scope: EstopScope;
  /** The site stopped, for a SITE stop. */
  site?: Maybe<Site>;
  triggeredAt: Scalars['DateTime']['output'];
  /** The person who triggered it (null when an integration did). */
  triggeredBy?: Maybe<User>;
  /** The API key that triggered it (a safety controller), if any. */
  triggeredByApiKeyId?: Maybe<Scalars['ID']['output']>;
  /** The zone stopped, for a ZONE stop. */
  zone?: Maybe<Zone>;
};

export type EmergencyStopConnection = {
  __typename?: 'EmergencyStopConnection';
  /** A list of edges. */
  edges: Array<EmergencyStopEdge>;
  /** A list of nodes. */
  nodes: Array<EmergencyStop>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type EmergencyStopEdge = {
  __typename?: 'EmergencyStopEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: EmergencyStop;
};

export type EmergencyStopFilter = {
  /** Only active (true) or only reset (false) stops. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** Stops that halted this asset. */
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** Triggered within `[from, to)`. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** Stops of this site or of assets on it. */
  siteId?: InputMaybe<Scalars['ID']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type EmergencyStopPayload = {
  __typename?: 'EmergencyStopPayload';
  emergencyStop: EmergencyStop;
};

export type EstopScope =
  | 'ASSET'
  | 'SITE'
  | 'ZONE';

export type FailCommandInput = {
  error: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

export type FailJobInput = {
  error: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

export type FetchPendingCommandsInput = {
  assetId: Scalars['ID']['input'];
  /** 1..=100 (default 20). */
  limit?: InputMaybe<Scalars['Int']['input']>;
};

export type FetchPendingCommandsPayload = {
  __typename?: 'FetchPendingCommandsPayload';
  /** Most urgent first; pending ones are now `SENT`. */
  commands: Array<Command>;
};

export type HaltedAsset = {
  __typename?: 'HaltedAsset';
  asset?: Maybe<Asset>;
  /** The status before the stop, restored by the reset. */
  previousStatus: AssetStatus;
};

export type IngestTelemetryInput = {
  /** Up to 10,000 points. */
  points: Array<TelemetryPointInput>;
};

export type IngestTelemetryPayload = {
  __typename?: 'IngestTelemetryPayload';
  accepted: Scalars['Int']['output'];
  rejected: Array<RejectedPoint>;
};

export type Invitation = {
  __typename?: 'Invitation';
  /** Who accepted it; null unless accepted, and once they are no longer a member. */
  acceptedBy?: Maybe<User>;
  createdAt: Scalars['DateTime']['output'];
  /** The address invited (lower-cased). */
  email: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Who sent it; null once they are no longer a member. */
  invitedBy?: Maybe<User>;
  /** When it was accepted, declined or revoked. */
  respondedAt?: Maybe<Scalars['DateTime']['output']>;
  role: Role;
  /** The sites the membership will be restricted to; empty means every site. */
  sites: Array<Site>;
  status: InvitationStatus;
};

export type InvitationConnection = {
  __typename?: 'InvitationConnection';
  /** A list of edges. */
  edges: Array<InvitationEdge>;
  /** A list of nodes. */
  nodes: Array<Invitation>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type InvitationEdge = {
  __typename?: 'InvitationEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Invitation;
};

export type InvitationPayload = {
  __typename?: 'InvitationPayload';
  invitation: Invitation;
};

/** Where an invitation stands. */
export type InvitationStatus =
  | 'ACCEPTED'
  | 'DECLINED'
  /** Not answered in time; the token no longer works. */
  | 'EXPIRED'
  /** Waiting for the invitee; the token works. */
  | 'PENDING'
  | 'REVOKED';

export type InvitationTokenInput = {
  /** The token the inviting admin handed over. */
  token: Scalars['String']['input'];
};

export type InviteMemberInput = {
  email: Scalars['String']['input'];
  role: Role;
  /** Restrict the membership to these sites. */
  siteIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type InviteMemberPayload = {
  __typename?: 'InviteMemberPayload';
  invitation: Invitation;
  /**
   * The one-time token to hand to the invitee, shown this once (only its hash is stored).
   * They accept with `acceptInvitation` when signed in, or with `signUp` if they have no
   * account yet.
   */
  token: Scalars['String']['output'];
};

export type Job = {
  __typename?: 'Job';
  asset: Asset;
  createdAt: Scalars['DateTime']['output'];
  /** The member who created it; null when an API key did. */
  createdBy?: Maybe<User>;
  /** The API key that created it; null when a member did. */
  createdByApiKeyId?: Maybe<Scalars['ID']['output']>;
  /** From start to finish, or to now while unfinished; null before it started. */
  durationSeconds?: Maybe<Scalars['Float']['output']>;
  /** Why it failed or was cancelled, or why it is paused (`paused by emergency stop`). */
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  itemsDone: Scalars['Int']['output'];
  itemsTotal?: Maybe<Scalars['Int']['output']>;
  /** What sort of work: a key such as `pick_run`, `weld_program`, `software_rollout`. */
  kind: Scalars['String']['output'];
  /** The last item the device reported as processed. */
  lastItem?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** What the device needs to do the work (a JSON object). */
  payload: Scalars['JSON']['output'];
  /** itemsDone / itemsTotal * 100; 100 once completed; null without a total. */
  percentComplete?: Maybe<Scalars['Float']['output']>;
  priority: Priority;
  /** What the device reported on completion. */
  result?: Maybe<Scalars['JSON']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: JobStatus;
  updatedAt: Scalars['DateTime']['output'];
};

/** What happened to a job. */
export type JobChangeKind =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'CREATED'
  | 'FAILED'
  | 'PAUSED'
  | 'PROGRESS'
  | 'RESUMED'
  | 'STARTED';

export type JobConnection = {
  __typename?: 'JobConnection';
  /** A list of edges. */
  edges: Array<JobEdge>;
  /** A list of nodes. */
  nodes: Array<Job>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type JobEdge = {
  __typename?: 'JobEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Job;
};

export type JobFilter = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** Created at or after. */
  createdFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created before. */
  createdTo?: InputMaybe<Scalars['DateTime']['input']>;
  kind?: InputMaybe<Scalars['String']['input']>;
  /** Jobs of the site's assets. */
  siteId?: InputMaybe<Scalars['ID']['input']>;
  /** Any of these statuses. */
  status?: InputMaybe<Array<JobStatus>>;
};

export type JobIdInput = {
  id: Scalars['ID']['input'];
};

export type JobOrder = {
  /** Newest first unless told otherwise. */
  direction?: OrderDirection;
  field?: JobOrderField;
};

export type JobOrderField =
  | 'CREATED_AT'
  | 'NAME';

export type JobPayload = {
  __typename?: 'JobPayload';
  job: Job;
};

export type JobStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'PAUSED'
  | 'QUEUED'
  | 'RUNNING';

/** One change of a job, with the job as it was right after it. */
export type JobUpdate = {
  __typename?: 'JobUpdate';
  job: Job;
  kind: JobChangeKind;
};

/** Where a robot is, in its site's coordinate frame (metres, degrees). */
export type Location = {
  __typename?: 'Location';
  /** Heading in degrees, [0, 360). */
  heading?: Maybe<Scalars['Float']['output']>;
  x: Scalars['Float']['output'];
  y: Scalars['Float']['output'];
  z?: Maybe<Scalars['Float']['output']>;
};

/** Where a robot is, in its site's coordinate frame (metres, degrees). */
export type LocationInput = {
  /** Heading in degrees, [0, 360). */
  heading?: InputMaybe<Scalars['Float']['input']>;
  x: Scalars['Float']['input'];
  y: Scalars['Float']['input'];
  z?: InputMaybe<Scalars['Float']['input']>;
};

export type LoginInput = {
  email: Scalars['String']['input'];
  /** Which organization to enter when the user belongs to several (default: the first joined). */
  organizationSlug?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
};

export type Machine = Asset & {
  __typename?: 'Machine';
  /** Who runs the machine now, if anyone. */
  activeSession?: Maybe<MachineSession>;
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  /**
   * Share of time in each status over `[from, to)` (at most 366 days): the
   * availability factor of OEE.
   */
  availability: Availability;
  /** Unique in the organization. */
  code: Scalars['String']['output'];
  /** Commands sent to this asset, newest first, optionally of some statuses. */
  commands: CommandConnection;
  configuration: Scalars['JSON']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** The edge node (gateway) the machine is wired to. */
  edgeNode?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** This asset's jobs, newest first, optionally of some statuses. */
  jobs: JobConnection;
  kind: AssetKind;
  /** When the asset last reported. */
  lastSeenAt?: Maybe<Scalars['DateTime']['output']>;
  /** The newest value of each metric (or of the named ones), by metric. */
  latest: Array<TelemetryValue>;
  /**
   * The asset's maintenance tasks, soonest due first by default (a filter's
   * `assetId` is ignored: it is this asset).
   */
  maintenanceTasks: MaintenanceTaskConnection;
  model: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** Whether an operator needs a badge to start a session on this machine. */
  requiresBadge: Scalars['Boolean']['output'];
  serialNumber?: Maybe<Scalars['String']['output']>;
  /** Minutes of inactivity after which a machine session ends. */
  sessionTimeoutMinutes: Scalars['Int']['output'];
  site?: Maybe<Site>;
  status: AssetStatus;
  /** Every status change, newest first, optionally within `[from, to)`. */
  statusHistory: StatusChangeConnection;
  /**
   * One metric over `[from, to)`: raw points, or buckets of `bucket` seconds (served
   * from per-minute rollups when `bucket` is a whole number of minutes).
   */
  telemetry: TelemetrySeries;
  updatedAt: Scalars['DateTime']['output'];
  vendor: Scalars['String']['output'];
  /** Minutes before the timeout at which the operator is warned. */
  warningMinutes: Scalars['Int']['output'];
  zone?: Maybe<Zone>;
};


export type MachineAvailabilityArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


export type MachineCommandsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<CommandStatus>>;
};


export type MachineJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<JobStatus>>;
};


export type MachineLatestArgs = {
  metrics?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type MachineMaintenanceTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MaintenanceTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<MaintenanceTaskOrder>;
};


export type MachineStatusHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


export type MachineTelemetryArgs = {
  bucket?: InputMaybe<Scalars['Int']['input']>;
  from: Scalars['DateTime']['input'];
  maxPoints?: InputMaybe<Scalars['Int']['input']>;
  metric: Scalars['String']['input'];
  to: Scalars['DateTime']['input'];
};

export type MachineConnection = {
  __typename?: 'MachineConnection';
  /** A list of edges. */
  edges: Array<MachineEdge>;
  /** A list of nodes. */
  nodes: Array<Machine>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MachineEdge = {
  __typename?: 'MachineEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Machine;
};

export type MachinePayload = {
  __typename?: 'MachinePayload';
  machine: Machine;
};

export type MachineSession = {
  __typename?: 'MachineSession';
  active: Scalars['Boolean']['output'];
  /** Whether the session was started with a badge. */
  byBadge: Scalars['Boolean']['output'];
  durationSeconds: Scalars['Float']['output'];
  endedAt?: Maybe<Scalars['DateTime']['output']>;
  endedBy?: Maybe<SessionEnd>;
  /** When an active session times out without activity. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** The last heartbeat; the idle timeout counts from here. */
  lastActivityAt: Scalars['DateTime']['output'];
  machine?: Maybe<Machine>;
  operator?: Maybe<User>;
  startedAt: Scalars['DateTime']['output'];
  /** When the operator was warned that the session is about to time out. */
  warnedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type MachineSessionConnection = {
  __typename?: 'MachineSessionConnection';
  /** A list of edges. */
  edges: Array<MachineSessionEdge>;
  /** A list of nodes. */
  nodes: Array<MachineSession>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MachineSessionEdge = {
  __typename?: 'MachineSessionEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: MachineSession;
};

/** Something happened to a machine session. */
export type MachineSessionEvent = {
  __typename?: 'MachineSessionEvent';
  /** For `EXPIRING`: when the session times out. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  session: MachineSession;
  type: MachineSessionEventType;
};

export type MachineSessionEventType =
  | 'ENDED'
  /** The session will time out at `expiresAt` unless there is activity. */
  | 'EXPIRING'
  /** A warned session got activity and runs on. */
  | 'EXTENDED'
  | 'STARTED';

export type MachineSessionFilter = {
  /** Only active (true) or only ended (false) sessions. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** Sessions overlapping `[from, to)`. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  machineId?: InputMaybe<Scalars['ID']['input']>;
  operatorId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type MachineSessionInput = {
  id: Scalars['ID']['input'];
};

export type MachineSessionPayload = {
  __typename?: 'MachineSessionPayload';
  session: MachineSession;
};

export type MachineUtilization = {
  __typename?: 'MachineUtilization';
  machine?: Maybe<Machine>;
  /** Seconds in sessions within the range. */
  seconds: Scalars['Float']['output'];
  sessions: Scalars['Int']['output'];
  /** `seconds` over the range (up to now), in [0, 1]. */
  share: Scalars['Float']['output'];
};

/** What happened to a task. */
export type MaintenanceEventKind =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'CREATED'
  /** The overdue worker found it overdue and raised its alert. */
  | 'OVERDUE'
  | 'STARTED'
  | 'UPDATED';

export type MaintenanceKind =
  /** Fixing a fault found. */
  | 'CORRECTIVE'
  /** Fixing a breakdown now. */
  | 'EMERGENCY'
  /** Scheduled upkeep; may recur. */
  | 'PREVENTIVE';

/** How a preventive task recurs: exactly one of the two. */
export type MaintenanceRecurrence = {
  __typename?: 'MaintenanceRecurrence';
  /** The next task is due this many days after completion. */
  everyDays?: Maybe<Scalars['Int']['output']>;
  /**
   * The next task is due once the asset has run this many hours (time `ONLINE` or `BUSY`)
   * since completion.
   */
  everyRunningHours?: Maybe<Scalars['Int']['output']>;
};

export type MaintenanceStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'IN_PROGRESS'
  | 'SCHEDULED';

/** Maintenance of an asset, a site or the organization. */
export type MaintenanceSummary = {
  __typename?: 'MaintenanceSummary';
  /** Average actual minutes of completed tasks; null when none is completed. */
  averageDurationMinutes?: Maybe<Scalars['Float']['output']>;
  cancelled: Scalars['Int']['output'];
  completed: Scalars['Int']['output'];
  inProgress: Scalars['Int']['output'];
  /** Scheduled or in-progress tasks that are overdue. */
  overdue: Scalars['Int']['output'];
  scheduled: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
  /** Sum of the costs of the tasks, exact. */
  totalCost: Scalars['Decimal']['output'];
};

export type MaintenanceTask = {
  __typename?: 'MaintenanceTask';
  /** As reported at completion, else the minutes from start to completion. */
  actualMinutes?: Maybe<Scalars['Int']['output']>;
  asset?: Maybe<Asset>;
  /** The asset's status before the task started, given back when it ends. */
  assetPreviousStatus?: Maybe<AssetStatus>;
  assignee?: Maybe<User>;
  /** When it was completed or cancelled. */
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Exact, two decimals. */
  cost?: Maybe<Scalars['Decimal']['output']>;
  createdAt: Scalars['DateTime']['output'];
  createdBy?: Maybe<User>;
  description?: Maybe<Scalars['String']['output']>;
  /**
   * The schedule. For a task created by a running-hours rule, the earliest moment the hours
   * can be reached (completion of the previous task + N hours).
   */
  dueAt: Scalars['DateTime']['output'];
  estimatedMinutes?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  kind: MaintenanceKind;
  notes?: Maybe<Scalars['String']['output']>;
  /**
   * Scheduled or in progress and past due: `dueAt` has passed, or, for a task created by a
   * running-hours rule, the overdue worker found the running hours reached.
   */
  overdue: Scalars['Boolean']['output'];
  /** The alert raised when it became overdue. */
  overdueAlertId?: Maybe<Scalars['ID']['output']>;
  partsUsed: Array<PartUsed>;
  /** The task whose completion created this one. */
  previousTaskId?: Maybe<Scalars['ID']['output']>;
  priority: Priority;
  recurrence?: Maybe<MaintenanceRecurrence>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: MaintenanceStatus;
  title: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type MaintenanceTaskConnection = {
  __typename?: 'MaintenanceTaskConnection';
  /** A list of edges. */
  edges: Array<MaintenanceTaskEdge>;
  /** A list of nodes. */
  nodes: Array<MaintenanceTask>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MaintenanceTaskEdge = {
  __typename?: 'MaintenanceTaskEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: MaintenanceTask;
};

export type MaintenanceTaskFilter = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** The assignee's user id. */
  assigneeId?: InputMaybe<Scalars['ID']['input']>;
  /** Due at or after. */
  dueFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Due before. */
  dueTo?: InputMaybe<Scalars['DateTime']['input']>;
  kind?: InputMaybe<MaintenanceKind>;
  overdue?: InputMaybe<Scalars['Boolean']['input']>;
  /** Tasks of the site's assets. */
  siteId?: InputMaybe<Scalars['ID']['input']>;
  /** Any of these statuses. */
  status?: InputMaybe<Array<MaintenanceStatus>>;
};

export type MaintenanceTaskIdInput = {
  id: Scalars['ID']['input'];
};

export type MaintenanceTaskOrder = {
  /** Soonest due (or oldest) first unless told otherwise. */
  direction?: OrderDirection;
  field?: MaintenanceTaskOrderField;
};

export type MaintenanceTaskOrderField =
  | 'CREATED_AT'
  | 'DUE_AT';

export type MaintenanceTaskPayload = {
  __typename?: 'MaintenanceTaskPayload';
  maintenanceTask: MaintenanceTask;
};

/** A change of a maintenance task, with the task as it was right after it. */
export type MaintenanceUpdate = {
  __typename?: 'MaintenanceUpdate';
  kind: MaintenanceEventKind;
  task: MaintenanceTask;
};

export type Me = {
  __typename?: 'Me';
  /** The API key in use; null for a user. */
  apiKey?: Maybe<ApiKey>;
  /** Pending invitations addressed to the user's email (empty for an API key). */
  invitations: Array<ReceivedInvitation>;
  organization: Organization;
  /** Every organization the user belongs to (to switch between them). */
  organizations: Array<OrganizationMembership>;
  /** The user's role here; null for an API key. */
  role?: Maybe<Role>;
  /** Scopes of the API key in use; empty for a user. */
  scopes: Array<Scalars['String']['output']>;
  /** The signed-in user; null for an API key. */
  user?: Maybe<User>;
};

export type Member = {
  __typename?: 'Member';
  /**
   * The member's badge or RFID tag for starting machine sessions in this organization. A
   * tag is a credential: shown to those who manage members and to the member themselves,
   * null to others.
   */
  badgeTag?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  role: Role;
  /** The sites this member is restricted to; empty means every site. */
  sites: Array<Site>;
  user?: Maybe<User>;
};

export type MemberConnection = {
  __typename?: 'MemberConnection';
  /** A list of edges. */
  edges: Array<MemberEdge>;
  /** A list of nodes. */
  nodes: Array<Member>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MemberEdge = {
  __typename?: 'MemberEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Member;
};

export type MemberPayload = {
  __typename?: 'MemberPayload';
  member: Member;
};

export type Metric = {
  __typename?: 'Metric';
  displayName: Scalars['String']['output'];
  key: Scalars['String']['output'];
  unit?: Maybe<Scalars['String']['output']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Accepts an invitation addressed to the signed-in user's email: they become a member of
   * the inviting organization with the offered role and sites.
   */
  acceptInvitation: AcceptInvitationPayload;
  /** Open -> acknowledged: someone is on it (operator and up). */
  acknowledgeAlert: AlertPayload;
  /** PENDING or SENT -> ACKNOWLEDGED, before `expiresAt` (a `commands:execute` key). */
  acknowledgeCommand: CommandPayload;
  /** Hides an asset from lists and counts; its history stays. */
  archiveAsset: AssetPayload;
  /** Hides a site from lists; its assets must be archived or moved first. */
  archiveSite: SitePayload;
  /** QUEUED, RUNNING or PAUSED -> CANCELLED (engineer and up, or a `jobs:write` key). */
  cancelJob: JobPayload;
  /** Scheduled or in progress -> cancelled (engineer and up). */
  cancelMaintenanceTask: MaintenanceTaskPayload;
  /**
   * Changes the caller's password; their other sessions end. Wrong current passwords count
   * towards the account's lockout, as failed logins do.
   */
  changePassword: SuccessPayload;
  /** ACKNOWLEDGED -> COMPLETED (a `commands:execute` key). */
  completeCommand: CommandPayload;
  /** RUNNING or PAUSED -> COMPLETED (operator and up, or a `jobs:write` key). */
  completeJob: JobPayload;
  /**
   * In progress -> completed; the asset gets its former status back, an overdue alert is
   * resolved and a recurring task schedules the next. Engineers, or the assignee.
   */
  completeMaintenanceTask: MaintenanceTaskPayload;
  /** A rule for one metric, organization-wide or for one asset (engineer and up). */
  createAlertRule: AlertRulePayload;
  /** Creates an API key (admin). The secret is in the payload and nowhere else, ever. */
  createApiKey: CreateApiKeyPayload;
  /** A job for an asset, `QUEUED` (engineer and up, or a `jobs:write` key). */
  createJob: JobPayload;
  createMachine: MachinePayload;
  /** A scheduled task on an asset (engineer and up, or a `maintenance:write` key). */
  createMaintenanceTask: MaintenanceTaskPayload;
  /**
   * Creates another organization, owned by the signed-in user (who stays signed in where they
   * are: `switchOrganization` opens a session in the new one).
   */
  createOrganization: OrganizationPayload;
  createRobot: RobotPayload;
  createSite: SitePayload;
  createZone: ZonePayload;
  /** Declines an invitation addressed to the signed-in user's email. */
  declineInvitation: SuccessPayload;
  /** Deletes a rule and resolves its unresolved alerts (they keep their history). */
  deleteAlertRule: DeletePayload;
  /** Deletes an asset; CONFLICT when history refers to it (archive it instead). */
  deleteAsset: DeletePayload;
  /** Deletes an empty site; CONFLICT while it has zones or assets. */
  deleteSite: DeletePayload;
  /** Deletes a zone; CONFLICT while assets are in it. */
  deleteZone: DeletePayload;
  /** Ends a session: one's own, or (admins) anyone's. */
  endMachineSession: MachineSessionPayload;
  /** ACKNOWLEDGED -> FAILED (a `commands:execute` key). */
  failCommand: CommandPayload;
  /** RUNNING or PAUSED -> FAILED (operator and up, or a `jobs:write` key). */
  failJob: JobPayload;
  /**
   * The device's poll: its deliverable commands, most urgent first; pending ones become
   * `SENT` (a `commands:execute` key).
   */
  fetchPendingCommands: FetchPendingCommandsPayload;
  /**
   * Stores a batch of readings (devices call this with a `telemetry:write` API key). Valid
   * points are stored, invalid ones reported; re-sending a batch is harmless.
   */
  ingestTelemetry: IngestTelemetryPayload;
  /**
   * Invites an email address to join with a role and optional site restriction (admin).
   * The answer is the same whether or not the address has an account; a pending invitation
   * to the same address is replaced. Nobody joins until they accept.
   */
  inviteMember: InviteMemberPayload;
  /**
   * Signs in with email and password. Five failures lock the account for 15 minutes; every
   * failure answers with the same message, except that the right password for a locked
   * account gets ACCOUNT_LOCKED with `lockedUntil`. Throttled per client address and per
   * email (RATE_LIMITED with `retryAfter`).
   */
  login: AuthPayload;
  /** Ends the current session. */
  logout: SuccessPayload;
  /** RUNNING -> PAUSED (engineer and up, or a `jobs:write` key). */
  pauseJob: JobPayload;
  /** An alert raised by hand (operator and up). */
  raiseAlert: AlertPayload;
  /**
   * Operator activity: restarts the session's idle clock (the operator's own session, or
   * any with the sessions:manage permission).
   */
  recordMachineActivity: MachineSessionPayload;
  /**
   * Exchanges a refresh token for new tokens. Each refresh token works once: presenting it
   * again within the grace period (a retry after a lost response) answers with the same new
   * tokens; later, it revokes the session.
   */
  refreshSession: AuthPayload;
  /** Removes a member (admin). The last owner cannot be removed. */
  removeMember: RemoveMemberPayload;
  /** Progress of a running job, from the device (operator and up, or a `jobs:write` key). */
  reportJobProgress: JobPayload;
  /**
   * Resets an active stop (engineer and up) with a note: each asset returns to the status it
   * had before, unless another active stop still holds it.
   */
  resetEmergencyStop: EmergencyStopPayload;
  /** Open or acknowledged -> resolved (operator and up). */
  resolveAlert: AlertPayload;
  restoreAsset: AssetPayload;
  restoreSite: SitePayload;
  /** PAUSED -> RUNNING, clearing the pause note (engineer and up, or a `jobs:write` key). */
  resumeJob: JobPayload;
  /** Revokes an API key (admin); it stops working at once. */
  revokeApiKey: ApiKeyPayload;
  /** Revokes a pending invitation (admin): its token stops working. */
  revokeInvitation: InvitationPayload;
  /** A command to one asset, `PENDING` (engineer and up, or a `commands:write` key). */
  sendCommand: CommandPayload;
  /**
   * Creates an organization and its owner, and signs the owner in; or, with an invitation
   * token, creates an account that joins the inviting organization and signs it in there.
   */
  signUp: AuthPayload;
  /** QUEUED -> RUNNING (engineer and up, or a `jobs:write` key). */
  startJob: JobPayload;
  /** Starts a session on a machine (operator and up): one active session per machine. */
  startMachineSession: MachineSessionPayload;
  /** Scheduled -> in progress; the asset goes to MAINTENANCE. Engineers, or the assignee. */
  startMaintenanceTask: MaintenanceTaskPayload;
  /** Opens a session in another of the user's organizations and ends the current one. */
  switchOrganization: AuthPayload;
  /**
   * Halts an asset, a zone or a site (operator and up): the assets go E_STOPPED, their
   * machine sessions end, running jobs pause, pending commands expire, and one critical
   * alert is raised; all or nothing.
   */
  triggerEmergencyStop: EmergencyStopPayload;
  updateAlertRule: AlertRulePayload;
  updateMachine: MachinePayload;
  updateMaintenanceTask: MaintenanceTaskPayload;
  /** Changes a member's role or site restriction (admin). The last owner cannot be demoted. */
  updateMember: MemberPayload;
  /** Renames the organization or changes its settings (admin). */
  updateOrganization: OrganizationPayload;
  updateRobot: RobotPayload;
  updateSite: SitePayload;
  updateZone: ZonePayload;
};


export type MutationAcceptInvitationArgs = {
  input: InvitationTokenInput;
};


export type MutationAcknowledgeAlertArgs = {
  input: AlertTransitionInput;
};


export type MutationAcknowledgeCommandArgs = {
  input: CommandIdInput;
};


export type MutationArchiveAssetArgs = {
  input: AssetIdInput;
};


export type MutationArchiveSiteArgs = {
  input: SiteIdInput;
};


export type MutationCancelJobArgs = {
  input: CancelJobInput;
};


export type MutationCancelMaintenanceTaskArgs = {
  input: CancelMaintenanceTaskInput;
};


export type MutationChangePasswordArgs = {
  input: ChangePasswordInput;
};


export type MutationCompleteCommandArgs = {
  input: CompleteCommandInput;
};


export type MutationCompleteJobArgs = {
  input: CompleteJobInput;
};


export type MutationCompleteMaintenanceTaskArgs = {
  input: CompleteMaintenanceTaskInput;
};


export type MutationCreateAlertRuleArgs = {
  input: CreateAlertRuleInput;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateJobArgs = {
  input: CreateJobInput;
};


export type MutationCreateMachineArgs = {
  input: CreateMachineInput;
};


export type MutationCreateMaintenanceTaskArgs = {
  input: CreateMaintenanceTaskInput;
};


export type MutationCreateOrganizationArgs = {
  input: CreateOrganizationInput;
};


export type MutationCreateRobotArgs = {
  input: CreateRobotInput;
};


export type MutationCreateSiteArgs = {
  input: CreateSiteInput;
};


export type MutationCreateZoneArgs = {
  input: CreateZoneInput;
};


export type MutationDeclineInvitationArgs = {
  input: InvitationTokenInput;
};


export type MutationDeleteAlertRuleArgs = {
  input: AlertRuleIdInput;
};


export type MutationDeleteAssetArgs = {
  input: AssetIdInput;
};


export type MutationDeleteSiteArgs = {
  input: SiteIdInput;
};


export type MutationDeleteZoneArgs = {
  input: ZoneIdInput;
};


export type MutationEndMachineSessionArgs = {
  input: MachineSessionInput;
};


export type MutationFailCommandArgs = {
  input: FailCommandInput;
};


export type MutationFailJobArgs = {
  input: FailJobInput;
};


export type MutationFetchPendingCommandsArgs = {
  input: FetchPendingCommandsInput;
};


export type MutationIngestTelemetryArgs = {
  input: IngestTelemetryInput;
};


export type MutationInviteMemberArgs = {
  input: InviteMemberInput;
};


export type MutationLoginArgs = {
  input: LoginInput;
};


export type MutationPauseJobArgs = {
  input: PauseJobInput;
};


export type MutationRaiseAlertArgs = {
  input: RaiseAlertInput;
};


export type MutationRecordMachineActivityArgs = {
  input: MachineSessionInput;
};


export type MutationRefreshSessionArgs = {
  input: RefreshSessionInput;
};


export type MutationRemoveMemberArgs = {
  input: RemoveMemberInput;
};


export type MutationReportJobProgressArgs = {
  input: ReportJobProgressInput;
};


export type MutationResetEmergencyStopArgs = {
  input: ResetEmergencyStopInput;
};


export type MutationResolveAlertArgs = {
  input: AlertTransitionInput;
};


export type MutationRestoreAssetArgs = {
  input: AssetIdInput;
};


export type MutationRestoreSiteArgs = {
  input: SiteIdInput;
};


export type MutationResumeJobArgs = {
  input: JobIdInput;
};


export type MutationRevokeApiKeyArgs = {
  input: RevokeApiKeyInput;
};


export type MutationRevokeInvitationArgs = {
  input: RevokeInvitationInput;
};


export type MutationSendCommandArgs = {
  input: SendCommandInput;
};


export type MutationSignUpArgs = {
  input: SignUpInput;
};


export type MutationStartJobArgs = {
  input: JobIdInput;
};


export type MutationStartMachineSessionArgs = {
  input: StartMachineSessionInput;
};


export type MutationStartMaintenanceTaskArgs = {
  input: MaintenanceTaskIdInput;
};


export type MutationSwitchOrganizationArgs = {
  input: SwitchOrganizationInput;
};


export type MutationTriggerEmergencyStopArgs = {
  input: TriggerEmergencyStopInput;
};


export type MutationUpdateAlertRuleArgs = {
  input: UpdateAlertRuleInput;
};


export type MutationUpdateMachineArgs = {
  input: UpdateMachineInput;
};


export type MutationUpdateMaintenanceTaskArgs = {
  input: UpdateMaintenanceTaskInput;
};


export type MutationUpdateMemberArgs = {
  input: UpdateMemberInput;
};


export type MutationUpdateOrganizationArgs = {
  input: UpdateOrganizationInput;
};


export type MutationUpdateRobotArgs = {
  input: UpdateRobotInput;
};


export type MutationUpdateSiteArgs = {
  input: UpdateSiteInput;
};


export type MutationUpdateZoneArgs = {
  input: UpdateZoneInput;
};

export type OperatorUtilization = {
  __typename?: 'OperatorUtilization';
  operator?: Maybe<User>;
  seconds: Scalars['Float']['output'];
  sessions: Scalars['Int']['output'];
  /**
   * `seconds` over the range (up to now); above 1 when the operator ran several machines
   * at once.
   */
  share: Scalars['Float']['output'];
};

export type OrderDirection =
  | 'ASC'
  | 'DESC';

export type Organization = {
  __typename?: 'Organization';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  plan: Plan;
  /** Free-form organization settings (a JSON object). */
  settings: Scalars['JSON']['output'];
  slug: Scalars['String']['output'];
  /** Days raw telemetry is kept. */
  telemetryRetentionDays: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

/** An organization the signed-in user belongs to. */
export type OrganizationMembership = {
  __typename?: 'OrganizationMembership';
  organization: Organization;
  role: Role;
};

export type OrganizationPayload = {
  __typename?: 'OrganizationPayload';
  organization: Organization;
};

/** Information about pagination in a connection */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** A part used by a completed task. */
export type PartUsed = {
  __typename?: 'PartUsed';
  description?: Maybe<Scalars['String']['output']>;
  partNumber: Scalars['String']['output'];
  /** At least 1. */
  quantity: Scalars['Int']['output'];
};

/** A part used by a completed task. */
export type PartUsedInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  partNumber: Scalars['String']['input'];
  /** At least 1. */
  quantity: Scalars['Int']['input'];
};

export type PauseJobInput = {
  id: Scalars['ID']['input'];
  /** Kept in `error` while paused. */
  reason?: InputMaybe<Scalars['String']['input']>;
};

export type Plan =
  | 'ENTERPRISE'
  | 'FREE'
  | 'PRO';

/** How urgent a job, command or maintenance task is. */
export type Priority =
  | 'CRITICAL'
  | 'HIGH'
  | 'LOW'
  | 'NORMAL';

export type Quality =
  | 'BAD'
  | 'GOOD'
  | 'UNCERTAIN';

export type Query = {
  __typename?: 'Query';
  alert: Alert;
  /**
   * Alerts matching the filter, by severity; only unresolved (open or acknowledged) ones
   * unless the filter names statuses.
   */
  alertCounts: AlertCounts;
  /**
   * Every alert change after the cursor `after` (from the beginning without it), in order:
   * what a client missed while disconnected from the `alerts` subscription. The cursor
   * (`seq`) counts this organization's events only: 1, 2, 3 ... Events carry the alert as it
   * was then; de-duplicate by alert id and keep the newest.
   */
  alertEvents: AlertEventPage;
  alertRule: AlertRule;
  /** The alert rules, by metric and name. */
  alertRules: Array<AlertRule>;
  /** The organization's alerts, newest first by default. */
  alerts: AlertConnection;
  /** The organization's API keys (admin). */
  apiKeys: ApiKeyConnection;
  asset: Asset;
  assetByCode: Asset;
  /** Robots and machines. */
  assets: AssetConnection;
  /** Every mutation in the organization, successful or refused, newest first (admin). */
  auditLogs: AuditLogConnection;
  command: Command;
  /** The organization's commands, newest first by default. */
  commands: CommandConnection;
  emergencyStop: EmergencyStop;
  /** Emergency stops and their resets, newest first. */
  emergencyStops: EmergencyStopConnection;
  /** The organization's invitations, newest first (admin). */
  invitations: InvitationConnection;
  job: Job;
  /** The organization's jobs, newest first by default. */
  jobs: JobConnection;
  machine: Machine;
  machineSession: MachineSession;
  /** Machine sessions, newest first. */
  machineSessions: MachineSessionConnection;
  /** Session time per machine over `[from, to)` (at most 366 days), most used first. */
  machineUtilization: Array<MachineUtilization>;
  machines: MachineConnection;
  /** Totals of one asset, one site, or (neither given) the organization. */
  maintenanceSummary: MaintenanceSummary;
  maintenanceTask: MaintenanceTask;
  /** Maintenance tasks, soonest due first by default. */
  maintenanceTasks: MaintenanceTaskConnection;
  /** Who is calling. */
  me: Me;
  member: Member;
  /** Members of the organization. */
  members: MemberConnection;
  /** The organization's metric catalog, kept up to date by ingest. */
  metrics: Array<Metric>;
  /** Session time per operator over `[from, to)` (at most 366 days), most first. */
  operatorUtilization: Array<OperatorUtilization>;
  /** The caller's organization. */
  organization: Organization;
  /**
   * The asset's deliverable commands (pending or sent, due, not expired), most urgent
   * first, without marking anything: devices poll with `fetchPendingCommands`.
   */
  pendingCommands: Array<Command>;
  robot: Robot;
  robots: RobotConnection;
  site: Site;
  siteByCode: Site;
  /** The organization's sites (those the caller may see). */
  sites: SiteConnection;
  /** Several series at once (several assets x metrics), for charts. */
  telemetrySeries: Array<TelemetrySeries>;
  zone: Zone;
  /** The zones of one site, by code. */
  zones: Array<Zone>;
};


export type QueryAlertArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAlertCountsArgs = {
  filter?: InputMaybe<AlertFilter>;
};


export type QueryAlertEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  kinds?: InputMaybe<Array<AlertEventKind>>;
};


export type QueryAlertRuleArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAlertRulesArgs = {
  filter?: InputMaybe<AlertRuleFilter>;
};


export type QueryAlertsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AlertFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<AlertOrder>;
};


export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  includeRevoked?: Scalars['Boolean']['input'];
};


export type QueryAssetArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAssetByCodeArgs = {
  code: Scalars['String']['input'];
};


export type QueryAssetsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AssetFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<AssetOrder>;
};


export type QueryAuditLogsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryCommandArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCommandsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CommandFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<CommandOrder>;
};


export type QueryEmergencyStopArgs = {
  id: Scalars['ID']['input'];
};


export type QueryEmergencyStopsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<EmergencyStopFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryInvitationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<JobOrder>;
};


export type QueryMachineArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMachineSessionArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMachineSessionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MachineSessionFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMachineUtilizationArgs = {
  from: Scalars['DateTime']['input'];
  machineId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  to: Scalars['DateTime']['input'];
};


export type QueryMachinesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AssetFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<AssetOrder>;
};


export type QueryMaintenanceSummaryArgs = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryMaintenanceTaskArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMaintenanceTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MaintenanceTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<MaintenanceTaskOrder>;
};


export type QueryMemberArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOperatorUtilizationArgs = {
  from: Scalars['DateTime']['input'];
  operatorId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  to: Scalars['DateTime']['input'];
};


export type QueryPendingCommandsArgs = {
  assetId: Scalars['ID']['input'];
  limit?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRobotArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRobotsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AssetFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<AssetOrder>;
};


export type QuerySiteArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySiteByCodeArgs = {
  code: Scalars['String']['input'];
};


export type QuerySitesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SiteFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<SiteOrder>;
};


export type QueryTelemetrySeriesArgs = {
  bucket?: InputMaybe<Scalars['Int']['input']>;
  from: Scalars['DateTime']['input'];
  maxPoints?: InputMaybe<Scalars['Int']['input']>;
  series: Array<SeriesInput>;
  to: Scalars['DateTime']['input'];
};


export type QueryZoneArgs = {
  id: Scalars['ID']['input'];
};


export type QueryZonesArgs = {
  siteId: Scalars['ID']['input'];
};

export type RaiseAlertInput = {
  /** The asset it is about; organization-wide when omitted. */
  assetId?: InputMaybe<Scalars['ID']['input']>;
  message?: InputMaybe<Scalars['String']['input']>;
  severity: Severity;
  title: Scalars['String']['input'];
};

export type ReceivedInvitation = {
  __typename?: 'ReceivedInvitation';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  organizationName: Scalars['String']['output'];
  organizationSlug: Scalars['String']['output'];
  role: Role;
};

/** How a preventive task recurs: exactly one of the two. */
export type RecurrenceInput = {
  /** The next task is due this many days after completion. */
  everyDays?: InputMaybe<Scalars['Int']['input']>;
  /**
   * The next task is due once the asset has run this many hours (time `ONLINE` or `BUSY`)
   * since completion.
   */
  everyRunningHours?: InputMaybe<Scalars['Int']['input']>;
};

export type RefreshSessionInput = {
  refreshToken: Scalars['String']['input'];
};

export type RejectedPoint = {
  __typename?: 'RejectedPoint';
  /** Position of the point in `input.points`. */
  index: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
};

export type RemoveMemberInput = {
  id: Scalars['ID']['input'];
};

export type RemoveMemberPayload = {
  __typename?: 'RemoveMemberPayload';
  removedId: Scalars['ID']['output'];
};

export type ReportJobProgressInput = {
  id: Scalars['ID']['input'];
  /** Never below the current value, never above `itemsTotal`. */
  itemsDone: Scalars['Int']['input'];
  lastItem?: InputMaybe<Scalars['String']['input']>;
};

export type ResetEmergencyStopInput = {
  id: Scalars['ID']['input'];
  /** What was checked before restarting; required. */
  note: Scalars['String']['input'];
};

export type RevokeApiKeyInput = {
  id: Scalars['ID']['input'];
};

export type RevokeInvitationInput = {
  id: Scalars['ID']['input'];
};

export type Robot = Asset & {
  __typename?: 'Robot';
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  /**
   * Share of time in each status over `[from, to)` (at most 366 days): the
   * availability factor of OEE.
   */
  availability: Availability;
  /** Unique in the organization. */
  code: Scalars['String']['output'];
  /** Commands sent to this asset, newest first, optionally of some statuses. */
  commands: CommandConnection;
  /** Vendor-specific configuration (a JSON object). */
  configuration: Scalars['JSON']['output'];
  createdAt: Scalars['DateTime']['output'];
  firmwareVersion?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** This asset's jobs, newest first, optionally of some statuses. */
  jobs: JobConnection;
  kind: AssetKind;
  /** When the asset last reported. */
  lastSeenAt?: Maybe<Scalars['DateTime']['output']>;
  /** The newest value of each metric (or of the named ones), by metric. */
  latest: Array<TelemetryValue>;
  location?: Maybe<Location>;
  /**
   * The asset's maintenance tasks, soonest due first by default (a filter's
   * `assetId` is ignored: it is this asset).
   */
  maintenanceTasks: MaintenanceTaskConnection;
  model: Scalars['String']['output'];
  name: Scalars['String']['output'];
  serialNumber?: Maybe<Scalars['String']['output']>;
  site?: Maybe<Site>;
  status: AssetStatus;
  /** Every status change, newest first, optionally within `[from, to)`. */
  statusHistory: StatusChangeConnection;
  /**
   * One metric over `[from, to)`: raw points, or buckets of `bucket` seconds (served
   * from per-minute rollups when `bucket` is a whole number of minutes).
   */
  telemetry: TelemetrySeries;
  updatedAt: Scalars['DateTime']['output'];
  vendor: Scalars['String']['output'];
  zone?: Maybe<Zone>;
};


export type RobotAvailabilityArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


export type RobotCommandsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<CommandStatus>>;
};


export type RobotJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<JobStatus>>;
};


export type RobotLatestArgs = {
  metrics?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type RobotMaintenanceTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MaintenanceTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<MaintenanceTaskOrder>;
};


export type RobotStatusHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


export type RobotTelemetryArgs = {
  bucket?: InputMaybe<Scalars['Int']['input']>;
  from: Scalars['DateTime']['input'];
  maxPoints?: InputMaybe<Scalars['Int']['input']>;
  metric: Scalars['String']['input'];
  to: Scalars['DateTime']['input'];
};

export type RobotConnection = {
  __typename?: 'RobotConnection';
  /** A list of edges. */
  edges: Array<RobotEdge>;
  /** A list of nodes. */
  nodes: Array<Robot>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type RobotEdge = {
  __typename?: 'RobotEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Robot;
};

export type RobotPayload = {
  __typename?: 'RobotPayload';
  robot: Robot;
};

export type Role =
  | 'ADMIN'
  | 'ENGINEER'
  | 'OPERATOR'
  | 'OWNER'
  | 'VIEWER';

export type SendCommandInput = {
  assetId: Scalars['ID']['input'];
  /** 1-64 lower-case letters, digits or `_`, starting with a letter: `stop`, `home`, ... */
  command: Scalars['String']['input'];
  /** Not delivered before this time (at most 30 days ahead). */
  notBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** A JSON object for the device (at most 64 KiB); `{}` when omitted. */
  payload?: InputMaybe<Scalars['JSON']['input']>;
  priority?: Priority;
  /**
   * Seconds the device has to acknowledge once the command is deliverable: 1..=86400,
   * default 300.
   */
  ttlSeconds?: InputMaybe<Scalars['Int']['input']>;
};

export type SeriesInput = {
  assetId: Scalars['ID']['input'];
  metric: Scalars['String']['input'];
};

export type SessionEnd =
  /** An admin ended someone else's session. */
  | 'ADMIN'
  /** An emergency stop halted the machine. */
  | 'ESTOP'
  /** Idle past the machine's session timeout. */
  | 'TIMEOUT'
  /** The operator ended it. */
  | 'USER';

export type Severity =
  | 'CRITICAL'
  | 'ERROR'
  | 'INFO'
  | 'WARNING';

export type SignUpInput = {
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  /**
   * An invitation token: the new account joins the inviting organization (with the offered
   * role) instead of creating one. The email must be the one invited. Works also where
   * sign-up is disabled.
   */
  invitationToken?: InputMaybe<Scalars['String']['input']>;
  /** The organization to create (required without `invitationToken`). */
  organizationName?: InputMaybe<Scalars['String']['input']>;
  /**
   * Lower-case letters, digits and hyphens; unique across the deployment (required without
   * `invitationToken`).
   */
  organizationSlug?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
};

export type Site = {
  __typename?: 'Site';
  address?: Maybe<Scalars['String']['output']>;
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Active (not archived) assets on the site, counted by status. */
  assetCounts: Array<AssetStatusCount>;
  code: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  latitude?: Maybe<Scalars['Float']['output']>;
  longitude?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  /** IANA timezone of the site, for local shift times and reports. */
  timezone: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /** The site's zones, by code. */
  zones: Array<Zone>;
};

export type SiteConnection = {
  __typename?: 'SiteConnection';
  /** A list of edges. */
  edges: Array<SiteEdge>;
  /** A list of nodes. */
  nodes: Array<Site>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type SiteEdge = {
  __typename?: 'SiteEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Site;
};

export type SiteFilter = {
  includeArchived?: Scalars['Boolean']['input'];
  /** Case-insensitive substring of name or code. */
  search?: InputMaybe<Scalars['String']['input']>;
};

export type SiteIdInput = {
  id: Scalars['ID']['input'];
};

export type SiteOrder = {
  direction?: OrderDirection;
  field?: SiteOrderField;
};

export type SiteOrderField =
  | 'CODE'
  | 'CREATED_AT'
  | 'NAME';

export type SitePayload = {
  __typename?: 'SitePayload';
  site: Site;
};

export type StartMachineSessionInput = {
  /**
   * The operator's badge. Without it the session is the caller's own; a machine that
   * requires a badge refuses to start without one.
   */
  badgeTag?: InputMaybe<Scalars['String']['input']>;
  machineId: Scalars['ID']['input'];
};

/** One status change of an asset. */
export type StatusChange = {
  __typename?: 'StatusChange';
  /** The user or API key, when a person or an integration caused it. */
  actorId?: Maybe<Scalars['ID']['output']>;
  actorKind: ActorKind;
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Null for the asset's first row (its creation). */
  previous?: Maybe<AssetStatus>;
  /**
   * Why: `created`, `manual update`, `telemetry resumed`, `no telemetry for N s`,
   * `emergency stop: ...`, `maintenance: ...`, ...
   */
  reason: Scalars['String']['output'];
  status: AssetStatus;
};

export type StatusChangeConnection = {
  __typename?: 'StatusChangeConnection';
  /** A list of edges. */
  edges: Array<StatusChangeEdge>;
  /** A list of nodes. */
  nodes: Array<StatusChange>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type StatusChangeEdge = {
  __typename?: 'StatusChangeEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: StatusChange;
};

/** Time spent in one status. */
export type StatusShare = {
  __typename?: 'StatusShare';
  seconds: Scalars['Float']['output'];
  /** `seconds` over the observed time, in [0, 1]. */
  share: Scalars['Float']['output'];
  status: AssetStatus;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Alert events as alerts are raised, updated, acknowledged and resolved, in `seq` order
   * and without gaps: events the live bus did not bring (a lost Redis subscription, a slow
   * consumer) are replayed from the log first. With `after` (a `seq` from an earlier event
   * or `alertEvents`), the stream starts with the events after it: resume there after a
   * reconnect. UPDATED events that change only the value of an alert (not its severity,
   * status or acknowledgement) are sent at most once per interval per alert (60 s unless
   * the server is configured otherwise); `alertEvents` has every one.
   */
  alerts: AlertEvent;
  /** Status changes of assets, optionally of one site. */
  assetStatusChanged: AssetStatusChange;
  /**
   * One asset's commands as they change: a device listens here for `CREATED` and `DUE`
   * (deliverable now) and acknowledges them; the other kinds follow the lifecycle. Needs
   * `commands:execute` or `commands:read`.
   */
  commandsForAsset: CommandUpdate;
  /** Jobs as they are created, move and report progress; optionally of one asset or site. */
  jobUpdated: JobUpdate;
  /**
   * Sessions starting, about to time out, extended and ending; optionally of one machine or
   * one site.
   */
  machineSessionEvents: MachineSessionEvent;
  /** Task changes as they commit, optionally of one asset or one site. */
  maintenanceUpdated: MaintenanceUpdate;
  /** Only the warnings: a session will time out at `expiresAt` unless its operator is active. */
  sessionExpiring: MachineSessionEvent;
  /** Readings as they are ingested, optionally only of some assets and metrics. */
  telemetry: TelemetryBatch;
};


export type SubscriptionAlertsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  assetId?: InputMaybe<Scalars['ID']['input']>;
  kinds?: InputMaybe<Array<AlertEventKind>>;
  minSeverity?: InputMaybe<Severity>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionAssetStatusChangedArgs = {
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionCommandsForAssetArgs = {
  assetId: Scalars['ID']['input'];
};


export type SubscriptionJobUpdatedArgs = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionMachineSessionEventsArgs = {
  machineId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionMaintenanceUpdatedArgs = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionSessionExpiringArgs = {
  machineId?: InputMaybe<Scalars['ID']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionTelemetryArgs = {
  assetIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  metrics?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type SuccessPayload = {
  __typename?: 'SuccessPayload';
  success: Scalars['Boolean']['output'];
};

export type SwitchOrganizationInput = {
  organizationSlug: Scalars['String']['input'];
};

/**
 * The readings of one ingest call that match the subscription; or, with `missedSince` set
 * and no readings, the notice that readings may have been missed.
 */
export type TelemetryBatch = {
  __typename?: 'TelemetryBatch';
  /**
   * Set (on a batch without readings) when the event bus lost readings: those ingested
   * since this time may not have been sent on this subscription (null when the server does
   * not know since when). Fetch them with the `telemetry` query. Null on every batch of
   * readings.
   */
  missedSince?: Maybe<Scalars['DateTime']['output']>;
  readings: Array<TelemetryReading>;
};

/** Aggregates of the points in `[start, start + bucketSeconds)`. */
export type TelemetryBucket = {
  __typename?: 'TelemetryBucket';
  avg: Scalars['Float']['output'];
  count: Scalars['Int']['output'];
  max: Scalars['Float']['output'];
  min: Scalars['Float']['output'];
  start: Scalars['DateTime']['output'];
  /** Population standard deviation. */
  stddev: Scalars['Float']['output'];
};

export type TelemetryPoint = {
  __typename?: 'TelemetryPoint';
  quality: Quality;
  ts: Scalars['DateTime']['output'];
  value: Scalars['Float']['output'];
};

/** One reading. Name the asset by `assetId` or `assetCode`. */
export type TelemetryPointInput = {
  assetCode?: InputMaybe<Scalars['String']['input']>;
  assetId?: InputMaybe<Scalars['ID']['input']>;
  /** Metric key: lower-case letters, digits, `_` and `.` (e.g. `cpu`, `servo_temp`). */
  metric: Scalars['String']['input'];
  quality?: InputMaybe<Quality>;
  /** When it was measured; the server's time when omitted. */
  ts?: InputMaybe<Scalars['DateTime']['input']>;
  unit?: InputMaybe<Scalars['String']['input']>;
  value: Scalars['Float']['input'];
};

/** A reading as it arrives. */
export type TelemetryReading = {
  __typename?: 'TelemetryReading';
  assetId: Scalars['ID']['output'];
  metric: Scalars['String']['output'];
  quality: Quality;
  ts: Scalars['DateTime']['output'];
  value: Scalars['Float']['output'];
};

export type TelemetrySeries = {
  __typename?: 'TelemetrySeries';
  asset?: Maybe<Asset>;
  /** The bucket width; null for raw points. */
  bucketSeconds?: Maybe<Scalars['Int']['output']>;
  /** Buckets that hold at least one point, oldest first (when a bucket was asked for). */
  buckets: Array<TelemetryBucket>;
  metric: Scalars['String']['output'];
  /** Raw points, oldest first (when no bucket was asked for). */
  points: Array<TelemetryPoint>;
};

export type TelemetryValue = {
  __typename?: 'TelemetryValue';
  metric: Scalars['String']['output'];
  quality: Quality;
  ts: Scalars['DateTime']['output'];
  unit?: Maybe<Scalars['String']['output']>;
  value: Scalars['Float']['output'];
};

/** What to stop: exactly one of `assetId`, `zoneId`, `siteId`. */
export type TriggerEmergencyStopInput = {
  assetId?: InputMaybe<Scalars['ID']['input']>;
  reason: Scalars['String']['input'];
  siteId?: InputMaybe<Scalars['ID']['input']>;
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

/** Metric and asset are fixed at creation; create another rule to change them. */
export type UpdateAlertRuleInput = {
  clearHysteresis?: InputMaybe<Scalars['Float']['input']>;
  criticalThreshold?: InputMaybe<Scalars['Float']['input']>;
  direction?: InputMaybe<AlertDirection>;
  /** Disabling resolves the rule's unresolved alerts. */
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  forSeconds?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
  warningThreshold?: InputMaybe<Scalars['Float']['input']>;
};

export type UpdateMachineInput = {
  code?: InputMaybe<Scalars['String']['input']>;
  configuration?: InputMaybe<Scalars['JSON']['input']>;
  edgeNode?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  model?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  requiresBadge?: InputMaybe<Scalars['Boolean']['input']>;
  serialNumber?: InputMaybe<Scalars['String']['input']>;
  sessionTimeoutMinutes?: InputMaybe<Scalars['Int']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  status?: InputMaybe<AssetStatus>;
  vendor?: InputMaybe<Scalars['String']['input']>;
  warningMinutes?: InputMaybe<Scalars['Int']['input']>;
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

/** Only while the task is scheduled or in progress. Omitted fields stay; null clears. */
export type UpdateMaintenanceTaskInput = {
  assigneeId?: InputMaybe<Scalars['ID']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  dueAt?: InputMaybe<Scalars['DateTime']['input']>;
  estimatedMinutes?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  kind?: InputMaybe<MaintenanceKind>;
  notes?: InputMaybe<Scalars['String']['input']>;
  priority?: InputMaybe<Priority>;
  recurrence?: InputMaybe<RecurrenceInput>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateMemberInput = {
  /** The member's badge or RFID tag for starting machine sessions; null removes it. */
  badgeTag?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  role?: InputMaybe<Role>;
  /** Restrict the member to these sites; an empty list lifts the restriction. */
  siteIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type UpdateOrganizationInput = {
  name?: InputMaybe<Scalars['String']['input']>;
  settings?: InputMaybe<Scalars['JSON']['input']>;
  telemetryRetentionDays?: InputMaybe<Scalars['Int']['input']>;
};

export type UpdateRobotInput = {
  code?: InputMaybe<Scalars['String']['input']>;
  configuration?: InputMaybe<Scalars['JSON']['input']>;
  firmwareVersion?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  location?: InputMaybe<LocationInput>;
  model?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  serialNumber?: InputMaybe<Scalars['String']['input']>;
  siteId?: InputMaybe<Scalars['ID']['input']>;
  status?: InputMaybe<AssetStatus>;
  vendor?: InputMaybe<Scalars['String']['input']>;
  zoneId?: InputMaybe<Scalars['ID']['input']>;
};

export type UpdateSiteInput = {
  address?: InputMaybe<Scalars['String']['input']>;
  code?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  latitude?: InputMaybe<Scalars['Float']['input']>;
  longitude?: InputMaybe<Scalars['Float']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  timezone?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateZoneInput = {
  code?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
};

export type User = {
  __typename?: 'User';
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  lastLoginAt?: Maybe<Scalars['DateTime']['output']>;
};

export type Zone = {
  __typename?: 'Zone';
  /** Active assets in the zone, by code. */
  assets: Array<Asset>;
  code: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  site?: Maybe<Site>;
  updatedAt: Scalars['DateTime']['output'];
};

export type ZoneIdInput = {
  id: Scalars['ID']['input'];
};

export type ZonePayload = {
  __typename?: 'ZonePayload';
  zone: Zone;
};

export type SessionFieldsFragment = { __typename?: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, role: Role, user: { __typename?: 'User', id: string, email: string, displayName: string }, organization: { __typename?: 'Organization', id: string, name: string, slug: string } };

export type LoginMutationVariables = Exact<{
  input: LoginInput;
}>;


export type LoginMutation = { __typename?: 'Mutation', login: { __typename?: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, role: Role, user: { __typename?: 'User', id: string, email: string, displayName: string }, organization: { __typename?: 'Organization', id: string, name: string, slug: string } } };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { __typename?: 'Mutation', signUp: { __typename?: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, role: Role, user: { __typename?: 'User', id: string, email: string, displayName: string }, organization: { __typename?: 'Organization', id: string, name: string, slug: string } } };

export type RefreshMutationVariables = Exact<{
  input: RefreshSessionInput;
}>;


export type RefreshMutation = { __typename?: 'Mutation', refreshSession: { __typename?: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, role: Role, user: { __typename?: 'User', id: string, email: string, displayName: string }, organization: { __typename?: 'Organization', id: string, name: string, slug: string } } };

export type SwitchMutationVariables = Exact<{
  input: SwitchOrganizationInput;
}>;


export type SwitchMutation = { __typename?: 'Mutation', switchOrganization: { __typename?: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, role: Role, user: { __typename?: 'User', id: string, email: string, displayName: string }, organization: { __typename?: 'Organization', id: string, name: string, slug: string } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { __typename?: 'Mutation', logout: { __typename?: 'SuccessPayload', success: boolean } };

export type MyOrganizationsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyOrganizationsQuery = { __typename?: 'Query', me: { __typename?: 'Me', organizations: Array<{ __typename?: 'OrganizationMembership', role: Role, organization: { __typename?: 'Organization', id: string, name: string, slug: string } }> } };

export type FleetQueryVariables = Exact<{ [key: string]: never; }>;


export type FleetQuery = { __typename?: 'Query', sites: { __typename?: 'SiteConnection', nodes: Array<{ __typename?: 'Site', id: string, code: string, name: string, zones: Array<{ __typename?: 'Zone', id: string, code: string, name: string, assets: Array<
          | { __typename?: 'Machine', id: string, code: string, name: string, kind: AssetKind, status: AssetStatus, vendor: string, model: string }
          | { __typename?: 'Robot', id: string, code: string, name: string, kind: AssetKind, status: AssetStatus, vendor: string, model: string }
        > }> }> } };

export type AssetStatusSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AssetStatusSubscription = { __typename?: 'Subscription', assetStatusChanged: { __typename?: 'AssetStatusChange', assetId: string, status: AssetStatus } };

export type InboxAlertFieldsFragment = { __typename?: 'Alert', id: string, severity: Severity, status: AlertStatus, title: string, message?: string | null, lastSeenAt: string, updatedAt: string, acknowledgedAt?: string | null, acknowledgedBy?: { __typename?: 'User', displayName: string } | null, asset?:
    | { __typename?: 'Machine', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
    | { __typename?: 'Robot', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
   | null };

export type OpenAlertsQueryVariables = Exact<{ [key: string]: never; }>;


export type OpenAlertsQuery = { __typename?: 'Query', alerts: { __typename?: 'AlertConnection', nodes: Array<{ __typename?: 'Alert', id: string, severity: Severity, status: AlertStatus, title: string, message?: string | null, lastSeenAt: string, updatedAt: string, acknowledgedAt?: string | null, acknowledgedBy?: { __typename?: 'User', displayName: string } | null, asset?:
        | { __typename?: 'Machine', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
        | { __typename?: 'Robot', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
       | null }> } };

export type AlertEventsSubscriptionVariables = Exact<{
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type AlertEventsSubscription = { __typename?: 'Subscription', alerts: { __typename?: 'AlertEvent', seq: string, kind: AlertEventKind, alert: { __typename?: 'Alert', id: string, severity: Severity, status: AlertStatus, title: string, message?: string | null, lastSeenAt: string, updatedAt: string, acknowledgedAt?: string | null, acknowledgedBy?: { __typename?: 'User', displayName: string } | null, asset?:
        | { __typename?: 'Machine', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
        | { __typename?: 'Robot', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
       | null } } };

export type AcknowledgeMutationVariables = Exact<{
  input: AlertTransitionInput;
}>;


export type AcknowledgeMutation = { __typename?: 'Mutation', acknowledgeAlert: { __typename?: 'AlertPayload', alert: { __typename?: 'Alert', id: string, severity: Severity, status: AlertStatus, title: string, message?: string | null, lastSeenAt: string, updatedAt: string, acknowledgedAt?: string | null, acknowledgedBy?: { __typename?: 'User', displayName: string } | null, asset?:
        | { __typename?: 'Machine', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
        | { __typename?: 'Robot', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
       | null } } };

export type ResolveMutationVariables = Exact<{
  input: AlertTransitionInput;
}>;


export type ResolveMutation = { __typename?: 'Mutation', resolveAlert: { __typename?: 'AlertPayload', alert: { __typename?: 'Alert', id: string, severity: Severity, status: AlertStatus, title: string, message?: string | null, lastSeenAt: string, updatedAt: string, acknowledgedAt?: string | null, acknowledgedBy?: { __typename?: 'User', displayName: string } | null, asset?:
        | { __typename?: 'Machine', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
        | { __typename?: 'Robot', id: string, name: string, code: string, site?: { __typename?: 'Site', id: string } | null }
       | null } } };

export type AssetQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type AssetQuery = { __typename?: 'Query', asset:
    | { __typename?: 'Machine', id: string, code: string, name: string, kind: AssetKind, status: AssetStatus, vendor: string, model: string, site?: { __typename?: 'Site', id: string, name: string } | null, zone?: { __typename?: 'Zone', id: string, name: string } | null, latest: Array<{ __typename?: 'TelemetryValue', metric: string, value: number, unit?: string | null, ts: string }> }
    | { __typename?: 'Robot', id: string, code: string, name: string, kind: AssetKind, status: AssetStatus, vendor: string, model: string, site?: { __typename?: 'Site', id: string, name: string } | null, zone?: { __typename?: 'Zone', id: string, name: string } | null, latest: Array<{ __typename?: 'TelemetryValue', metric: string, value: number, unit?: string | null, ts: string }> }
   };

export type AssetHistoryQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  metric: Scalars['String']['input'];
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
}>;


export type AssetHistoryQuery = { __typename?: 'Query', asset:
    | { __typename?: 'Machine', id: string, telemetry: { __typename?: 'TelemetrySeries', bucketSeconds?: number | null, points: Array<{ __typename?: 'TelemetryPoint', ts: string, value: number }>, buckets: Array<{ __typename?: 'TelemetryBucket', start: string, avg: number }> } }
    | { __typename?: 'Robot', id: string, telemetry: { __typename?: 'TelemetrySeries', bucketSeconds?: number | null, points: Array<{ __typename?: 'TelemetryPoint', ts: string, value: number }>, buckets: Array<{ __typename?: 'TelemetryBucket', start: string, avg: number }> } }
   };

export type AssetTelemetrySubscriptionVariables = Exact<{
  assetIds?: InputMaybe<Array<Scalars['ID']['input']> | Scalars['ID']['input']>;
}>;


export type AssetTelemetrySubscription = { __typename?: 'Subscription', telemetry: { __typename?: 'TelemetryBatch', readings: Array<{ __typename?: 'TelemetryReading', metric: string, ts: string, value: number }> } };

export type ActiveStopsQueryVariables = Exact<{ [key: string]: never; }>;


export type ActiveStopsQuery = { __typename?: 'Query', emergencyStops: { __typename?: 'EmergencyStopConnection', nodes: Array<{ __typename?: 'EmergencyStop', id: string, scope: EstopScope, reason: string, triggeredAt: string, triggeredBy?: { __typename?: 'User', displayName: string } | null, asset?:
        | { __typename?: 'Machine', id: string, name: string, code: string }
        | { __typename?: 'Robot', id: string, name: string, code: string }
       | null, zone?: { __typename?: 'Zone', id: string, name: string } | null, site?: { __typename?: 'Site', id: string, name: string } | null, haltedAssets: Array<{ __typename?: 'HaltedAsset', asset?:
          | { __typename?: 'Machine', id: string }
          | { __typename?: 'Robot', id: string }
         | null }> }> } };

export type TriggerStopMutationVariables = Exact<{
  input: TriggerEmergencyStopInput;
}>;


export type TriggerStopMutation = { __typename?: 'Mutation', triggerEmergencyStop: { __typename?: 'EmergencyStopPayload', emergencyStop: { __typename?: 'EmergencyStop', id: string } } };

export type ResetStopMutationVariables = Exact<{
  input: ResetEmergencyStopInput;
}>;


export type ResetStopMutation = { __typename?: 'Mutation', resetEmergencyStop: { __typename?: 'EmergencyStopPayload', emergencyStop: { __typename?: 'EmergencyStop', id: string, active: boolean } } };

export const SessionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]} as unknown as DocumentNode<SessionFieldsFragment, unknown>;
export const InboxAlertFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxAlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<InboxAlertFieldsFragment, unknown>;
export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LoginInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const SignUpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SignUp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SignUpInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signUp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]} as unknown as DocumentNode<SignUpMutation, SignUpMutationVariables>;
export const RefreshDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Refresh"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RefreshSessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]} as unknown as DocumentNode<RefreshMutation, RefreshMutationVariables>;
export const SwitchDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Switch"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SwitchOrganizationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"switchOrganization"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]} as unknown as DocumentNode<SwitchMutation, SwitchMutationVariables>;
export const LogoutDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Logout"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logout"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}}]}}]}}]} as unknown as DocumentNode<LogoutMutation, LogoutMutationVariables>;
export const MyOrganizationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyOrganizations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organizations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MyOrganizationsQuery, MyOrganizationsQueryVariables>;
export const FleetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Fleet"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sites"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"zones"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"assets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"vendor"}},{"kind":"Field","name":{"kind":"Name","value":"model"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<FleetQuery, FleetQueryVariables>;
export const AssetStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AssetStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assetStatusChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assetId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<AssetStatusSubscription, AssetStatusSubscriptionVariables>;
export const OpenAlertsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OpenAlerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"status"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"OPEN"},{"kind":"EnumValue","value":"ACKNOWLEDGED"}]}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InboxAlertFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxAlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<OpenAlertsQuery, OpenAlertsQueryVariables>;
export const AlertEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AlertEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"alert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InboxAlertFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxAlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<AlertEventsSubscription, AlertEventsSubscriptionVariables>;
export const AcknowledgeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Acknowledge"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AlertTransitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acknowledgeAlert"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InboxAlertFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxAlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<AcknowledgeMutation, AcknowledgeMutationVariables>;
export const ResolveDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Resolve"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AlertTransitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolveAlert"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InboxAlertFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxAlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Alert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<ResolveMutation, ResolveMutationVariables>;
export const AssetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Asset"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"asset"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"vendor"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latest"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"ts"}}]}}]}}]}}]} as unknown as DocumentNode<AssetQuery, AssetQueryVariables>;
export const AssetHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AssetHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"metric"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"asset"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"telemetry"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"metric"},"value":{"kind":"Variable","name":{"kind":"Name","value":"metric"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"maxPoints"},"value":{"kind":"IntValue","value":"2000"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bucketSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ts"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"avg"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AssetHistoryQuery, AssetHistoryQueryVariables>;
export const AssetTelemetryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AssetTelemetry"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"assetIds"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"telemetry"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"assetIds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"assetIds"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"readings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"ts"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<AssetTelemetrySubscription, AssetTelemetrySubscriptionVariables>;
export const ActiveStopsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActiveStops"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emergencyStops"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"active"},"value":{"kind":"BooleanValue","value":true}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"triggeredAt"}},{"kind":"Field","name":{"kind":"Name","value":"triggeredBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"zone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"site"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"haltedAssets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"asset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ActiveStopsQuery, ActiveStopsQueryVariables>;
export const TriggerStopDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TriggerStop"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TriggerEmergencyStopInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"triggerEmergencyStop"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emergencyStop"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<TriggerStopMutation, TriggerStopMutationVariables>;
export const ResetStopDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResetStop"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ResetEmergencyStopInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resetEmergencyStop"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emergencyStop"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]}}]} as unknown as DocumentNode<ResetStopMutation, ResetStopMutationVariables>;