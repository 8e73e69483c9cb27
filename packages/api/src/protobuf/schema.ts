/**
 * Field tables of the k8s.io/api protobuf messages kubectl sends (generated.proto, v0.32+; field
 * numbers only ever get added). One line per field: `<number> <jsonName> <type>` where the type is
 * a scalar (`string int32 int64 bool bytes double`), a special (`Time MicroTime IntOrString Quantity
 * FieldsV1`) or a message name, with these markers:
 *   `[]T` repeated, `map<K,V>` map, `*T` Go pointer (kept on the wire even when zero),
 *   `^T` embedded struct whose fields are inlined into the parent JSON object,
 *   `T!` no `omitempty` in the Go JSON tag (zero values and empty lists are still emitted).
 */

const meta: Record<string, string> = {
  ObjectMeta: `1 name string; 2 generateName string; 3 namespace string; 4 selfLink string; 5 uid string;
    6 resourceVersion string; 7 generation int64; 8 creationTimestamp Time; 9 deletionTimestamp *Time;
    10 deletionGracePeriodSeconds *int64; 11 labels map<string,string>; 12 annotations map<string,string>;
    13 ownerReferences []OwnerReference; 14 finalizers []string; 17 managedFields []ManagedFieldsEntry`,
  OwnerReference: `5 apiVersion string!; 1 kind string!; 3 name string!; 4 uid string!; 6 controller *bool;
    7 blockOwnerDeletion *bool`,
  ManagedFieldsEntry: `1 manager string; 2 operation string; 3 apiVersion string; 4 time *Time; 6 fieldsType string;
    7 fieldsV1 *FieldsV1; 8 subresource string`,
  LabelSelector: '1 matchLabels map<string,string>; 2 matchExpressions []LabelSelectorRequirement',
  LabelSelectorRequirement: '1 key string!; 2 operator string!; 3 values []string',
};

const core: Record<string, string> = {
  Namespace: '1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus',
  NamespaceSpec: '1 finalizers []string',
  NamespaceStatus: '1 phase string; 2 conditions []NamespaceCondition',
  NamespaceCondition: '1 type string!; 2 status string!; 4 lastTransitionTime Time; 5 reason string; 6 message string',
  Secret: '1 metadata ObjectMeta; 5 immutable *bool; 2 data map<string,bytes>; 4 stringData map<string,string>; 3 type string',
  ConfigMap: '1 metadata ObjectMeta; 4 immutable *bool; 2 data map<string,string>; 3 binaryData map<string,bytes>',
  ServiceAccount: `1 metadata ObjectMeta; 2 secrets []ObjectReference; 3 imagePullSecrets []LocalObjectReference;
    4 automountServiceAccountToken *bool`,
  ObjectReference: `1 kind string; 2 namespace string; 3 name string; 4 uid string; 5 apiVersion string;
    6 resourceVersion string; 7 fieldPath string`,
  LocalObjectReference: '1 name string',
  TypedLocalObjectReference: '1 apiGroup *string; 2 kind string!; 3 name string!',
  TypedObjectReference: '1 apiGroup *string; 2 kind string!; 3 name string!; 4 namespace *string',
  Service: '1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus',
  ServiceSpec: `1 ports []ServicePort; 2 selector map<string,string>; 3 clusterIP string; 18 clusterIPs []string;
    4 type string; 5 externalIPs []string; 7 sessionAffinity string; 8 loadBalancerIP string;
    9 loadBalancerSourceRanges []string; 10 externalName string; 11 externalTrafficPolicy string;
    12 healthCheckNodePort int32; 13 publishNotReadyAddresses bool; 14 sessionAffinityConfig SessionAffinityConfig;
    19 ipFamilies []string; 17 ipFamilyPolicy *string; 20 allocateLoadBalancerNodePorts *bool;
    21 loadBalancerClass *string; 22 internalTrafficPolicy *string; 23 trafficDistribution *string`,
  ServicePort: '1 name string; 2 protocol string; 6 appProtocol *string; 3 port int32!; 4 targetPort IntOrString; 5 nodePort int32',
  SessionAffinityConfig: '1 clientIP ClientIPConfig',
  ClientIPConfig: '1 timeoutSeconds *int32',
  ServiceStatus: '1 loadBalancer LoadBalancerStatus; 2 conditions []Condition',
  LoadBalancerStatus: '1 ingress []LoadBalancerIngress',
  LoadBalancerIngress: '1 ip string; 2 hostname string; 3 ipMode *string; 4 ports []PortStatus',
  PortStatus: '1 port int32!; 2 protocol string!; 3 error *string',
  ResourceQuota: '1 metadata ObjectMeta; 2 spec ResourceQuotaSpec; 3 status ResourceQuotaStatus',
  ResourceQuotaSpec: '1 hard map<string,Quantity>; 2 scopes []string; 3 scopeSelector ScopeSelector',
  ResourceQuotaStatus: '1 hard map<string,Quantity>; 2 used map<string,Quantity>',
  ScopeSelector: '1 matchExpressions []ScopedResourceSelectorRequirement',
  ScopedResourceSelectorRequirement: '1 scopeName string!; 2 operator string!; 3 values []string',
  PodTemplateSpec: '1 metadata ObjectMeta; 2 spec PodSpec',
  PodSpec: `1 volumes []Volume; 20 initContainers []Container; 2 containers []Container!;
    34 ephemeralContainers []EphemeralContainer; 3 restartPolicy string; 4 terminationGracePeriodSeconds *int64;
    5 activeDeadlineSeconds *int64; 6 dnsPolicy string; 7 nodeSelector map<string,string>; 8 serviceAccountName string;
    9 serviceAccount string; 21 automountServiceAccountToken *bool; 10 nodeName string; 11 hostNetwork bool;
    12 hostPID bool; 13 hostIPC bool; 27 shareProcessNamespace *bool; 14 securityContext PodSecurityContext;
    15 imagePullSecrets []LocalObjectReference; 16 hostname string; 17 subdomain string; 18 affinity Affinity;
    19 schedulerName string; 22 tolerations []Toleration; 23 hostAliases []HostAlias; 24 priorityClassName string;
    25 priority *int32; 26 dnsConfig PodDNSConfig; 28 readinessGates []PodReadinessGate; 29 runtimeClassName *string;
    30 enableServiceLinks *bool; 31 preemptionPolicy *string; 32 overhead map<string,Quantity>;
    33 topologySpreadConstraints []TopologySpreadConstraint; 35 setHostnameAsFQDN *bool; 36 os PodOS;
    37 hostUsers *bool; 38 schedulingGates []PodSchedulingGate; 39 resourceClaims []PodResourceClaim;
    40 resources ResourceRequirements; 41 hostnameOverride *string`,
  Container: `1 name string!; 2 image string; 3 command []string; 4 args []string; 5 workingDir string;
    6 ports []ContainerPort; 19 envFrom []EnvFromSource; 7 env []EnvVar; 8 resources ResourceRequirements;
    23 resizePolicy []ContainerResizePolicy; 24 restartPolicy *string; 9 volumeMounts []VolumeMount;
    21 volumeDevices []VolumeDevice; 10 livenessProbe Probe; 11 readinessProbe Probe; 22 startupProbe Probe;
    12 lifecycle Lifecycle; 13 terminationMessagePath string; 20 terminationMessagePolicy string;
    14 imagePullPolicy string; 15 securityContext SecurityContext; 16 stdin bool; 17 stdinOnce bool; 18 tty bool`,
  EphemeralContainer: '1 ephemeralContainerCommon ^Container; 2 targetContainerName string',
  ContainerPort: '1 name string; 2 hostPort int32; 3 containerPort int32!; 4 protocol string; 5 hostIP string',
  ContainerResizePolicy: '1 resourceName string!; 2 restartPolicy string!',
  EnvFromSource: '1 prefix string; 2 configMapRef ConfigMapEnvSource; 3 secretRef SecretEnvSource',
  ConfigMapEnvSource: '1 localObjectReference ^LocalObjectReference; 2 optional *bool',
  SecretEnvSource: '1 localObjectReference ^LocalObjectReference; 2 optional *bool',
  EnvVar: '1 name string!; 2 value string; 3 valueFrom EnvVarSource',
  EnvVarSource: `1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector;
    3 configMapKeyRef ConfigMapKeySelector; 4 secretKeyRef SecretKeySelector; 5 fileKeyRef FileKeySelector`,
  ObjectFieldSelector: '1 apiVersion string; 2 fieldPath string!',
  ResourceFieldSelector: '1 containerName string; 2 resource string!; 3 divisor Quantity',
  ConfigMapKeySelector: '1 localObjectReference ^LocalObjectReference; 2 key string!; 3 optional *bool',
  SecretKeySelector: '1 localObjectReference ^LocalObjectReference; 2 key string!; 3 optional *bool',
  FileKeySelector: '1 volumeName string!; 2 path string!; 3 key string!; 4 optional *bool',
  ResourceRequirements: '1 limits map<string,Quantity>; 2 requests map<string,Quantity>; 3 claims []ResourceClaim',
  ResourceClaim: '1 name string!; 2 request string',
  VolumeMount: `1 name string!; 2 readOnly bool; 7 recursiveReadOnly *string; 3 mountPath string!; 4 subPath string;
    5 mountPropagation *string; 6 subPathExpr string`,
  VolumeDevice: '1 name string!; 2 devicePath string!',
  Probe: `1 handler ^ProbeHandler; 2 initialDelaySeconds int32; 3 timeoutSeconds int32; 4 periodSeconds int32;
    5 successThreshold int32; 6 failureThreshold int32; 7 terminationGracePeriodSeconds *int64`,
  ProbeHandler: '1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; 4 grpc GRPCAction',
  ExecAction: '1 command []string',
  HTTPGetAction: '1 path string; 2 port IntOrString!; 3 host string; 4 scheme string; 5 httpHeaders []HTTPHeader',
  HTTPHeader: '1 name string!; 2 value string!',
  TCPSocketAction: '1 port IntOrString!; 2 host string',
  GRPCAction: '1 port int32!; 2 service *string',
  Lifecycle: '1 postStart LifecycleHandler; 2 preStop LifecycleHandler; 3 stopSignal *string',
  LifecycleHandler: '1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; 4 sleep SleepAction',
  SleepAction: '1 seconds int64!',
  SecurityContext: `1 capabilities Capabilities; 2 privileged *bool; 3 seLinuxOptions SELinuxOptions;
    10 windowsOptions WindowsSecurityContextOptions; 4 runAsUser *int64; 8 runAsGroup *int64; 5 runAsNonRoot *bool;
    6 readOnlyRootFilesystem *bool; 7 allowPrivilegeEscalation *bool; 9 procMount *string;
    11 seccompProfile SeccompProfile; 12 appArmorProfile AppArmorProfile`,
  Capabilities: '1 add []string; 2 drop []string',
  SELinuxOptions: '1 user string; 2 role string; 3 type string; 4 level string',
  WindowsSecurityContextOptions: `1 gmsaCredentialSpecName *string; 2 gmsaCredentialSpec *string;
    3 runAsUserName *string; 4 hostProcess *bool`,
  SeccompProfile: '1 type string!; 2 localhostProfile *string',
  AppArmorProfile: '1 type string!; 2 localhostProfile *string',
  PodSecurityContext: `1 seLinuxOptions SELinuxOptions; 8 windowsOptions WindowsSecurityContextOptions;
    2 runAsUser *int64; 6 runAsGroup *int64; 3 runAsNonRoot *bool; 4 supplementalGroups []int64;
    12 supplementalGroupsPolicy *string; 5 fsGroup *int64; 7 sysctls []Sysctl; 9 fsGroupChangePolicy *string;
    10 seccompProfile SeccompProfile; 11 appArmorProfile AppArmorProfile; 13 seLinuxChangePolicy *string`,
  Sysctl: '1 name string!; 2 value string!',
  Affinity: '1 nodeAffinity NodeAffinity; 2 podAffinity PodAffinity; 3 podAntiAffinity PodAntiAffinity',
  NodeAffinity: `1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector;
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm`,
  NodeSelector: '1 nodeSelectorTerms []NodeSelectorTerm!',
  NodeSelectorTerm: '1 matchExpressions []NodeSelectorRequirement; 2 matchFields []NodeSelectorRequirement',
  NodeSelectorRequirement: '1 key string!; 2 operator string!; 3 values []string',
  PreferredSchedulingTerm: '1 weight int32!; 2 preference NodeSelectorTerm',
  PodAffinity: `1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm;
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm`,
  PodAntiAffinity: `1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm;
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm`,
  PodAffinityTerm: `1 labelSelector LabelSelector; 2 namespaces []string; 3 topologyKey string!;
    4 namespaceSelector LabelSelector; 5 matchLabelKeys []string; 6 mismatchLabelKeys []string`,
  WeightedPodAffinityTerm: '1 weight int32!; 2 podAffinityTerm PodAffinityTerm',
  Toleration: '1 key string; 2 operator string; 3 value string; 4 effect string; 5 tolerationSeconds *int64',
  HostAlias: '1 ip string!; 2 hostnames []string',
  PodDNSConfig: '1 nameservers []string; 2 searches []string; 3 options []PodDNSConfigOption',
  PodDNSConfigOption: '1 name string; 2 value *string',
  PodReadinessGate: '1 conditionType string!',
  PodOS: '1 name string!',
  PodSchedulingGate: '1 name string!',
  PodResourceClaim: '1 name string!; 3 resourceClaimName *string; 4 resourceClaimTemplateName *string',
  TopologySpreadConstraint: `1 maxSkew int32!; 2 topologyKey string!; 3 whenUnsatisfiable string!;
    4 labelSelector LabelSelector; 5 minDomains *int32; 6 nodeAffinityPolicy *string; 7 nodeTaintsPolicy *string;
    8 matchLabelKeys []string`,
  Volume: '1 name string!; 2 volumeSource ^VolumeSource',
  VolumeSource: `1 hostPath HostPathVolumeSource; 2 emptyDir EmptyDirVolumeSource;
    3 gcePersistentDisk GCEPersistentDiskVolumeSource; 4 awsElasticBlockStore AWSElasticBlockStoreVolumeSource;
    5 gitRepo GitRepoVolumeSource; 6 secret SecretVolumeSource; 7 nfs NFSVolumeSource; 8 iscsi ISCSIVolumeSource;
    9 glusterfs GlusterfsVolumeSource; 10 persistentVolumeClaim PersistentVolumeClaimVolumeSource; 11 rbd RBDVolumeSource;
    12 flexVolume FlexVolumeSource; 13 cinder CinderVolumeSource; 14 cephfs CephFSVolumeSource; 15 flocker FlockerVolumeSource;
    16 downwardAPI DownwardAPIVolumeSource; 17 fc FCVolumeSource; 18 azureFile AzureFileVolumeSource;
    19 configMap ConfigMapVolumeSource; 20 vsphereVolume VsphereVirtualDiskVolumeSource; 21 quobyte QuobyteVolumeSource;
    22 azureDisk AzureDiskVolumeSource; 23 photonPersistentDisk PhotonPersistentDiskVolumeSource;
    26 projected ProjectedVolumeSource; 24 portworxVolume PortworxVolumeSource; 25 scaleIO ScaleIOVolumeSource;
    27 storageos StorageOSVolumeSource; 28 csi CSIVolumeSource; 29 ephemeral EphemeralVolumeSource; 30 image ImageVolumeSource`,
  GCEPersistentDiskVolumeSource: '1 pdName string!; 2 fsType string; 3 partition int32; 4 readOnly bool',
  AWSElasticBlockStoreVolumeSource: '1 volumeID string!; 2 fsType string; 3 partition int32; 4 readOnly bool',
  GitRepoVolumeSource: '1 repository string!; 2 revision string; 3 directory string',
  ISCSIVolumeSource: `1 targetPortal string!; 2 iqn string!; 3 lun int32!; 4 iscsiInterface string; 5 fsType string;
    6 readOnly bool; 7 portals []string; 8 chapAuthDiscovery bool; 11 chapAuthSession bool;
    10 secretRef LocalObjectReference; 12 initiatorName *string`,
  GlusterfsVolumeSource: '1 endpoints string!; 2 path string!; 3 readOnly bool',
  RBDVolumeSource: `1 monitors []string!; 2 image string!; 3 fsType string; 4 pool string; 5 user string; 6 keyring string;
    7 secretRef LocalObjectReference; 8 readOnly bool`,
  FlexVolumeSource: '1 driver string!; 2 fsType string; 3 secretRef LocalObjectReference; 4 readOnly bool; 5 options map<string,string>',
  CinderVolumeSource: '1 volumeID string!; 2 fsType string; 3 readOnly bool; 4 secretRef LocalObjectReference',
  CephFSVolumeSource: `1 monitors []string!; 2 path string; 3 user string; 4 secretFile string;
    5 secretRef LocalObjectReference; 6 readOnly bool`,
  FlockerVolumeSource: '1 datasetName string; 2 datasetUUID string',
  FCVolumeSource: '1 targetWWNs []string; 2 lun *int32; 3 fsType string; 4 readOnly bool; 5 wwids []string',
  AzureFileVolumeSource: '1 secretName string!; 2 shareName string!; 3 readOnly bool',
  VsphereVirtualDiskVolumeSource: '1 volumePath string!; 2 fsType string; 3 storagePolicyName string; 4 storagePolicyID string',
  QuobyteVolumeSource: '1 registry string!; 2 volume string!; 3 readOnly bool; 4 user string; 5 group string; 6 tenant string',
  AzureDiskVolumeSource: '1 diskName string!; 2 diskURI string!; 3 cachingMode *string; 4 fsType *string; 5 readOnly *bool; 6 kind *string',
  PhotonPersistentDiskVolumeSource: '1 pdID string!; 2 fsType string',
  PortworxVolumeSource: '1 volumeID string!; 2 fsType string; 3 readOnly bool',
  ScaleIOVolumeSource: `1 gateway string!; 2 system string!; 3 secretRef LocalObjectReference; 4 sslEnabled bool;
    5 protectionDomain string; 6 storagePool string; 7 storageMode string; 8 volumeName string; 9 fsType string;
    10 readOnly bool`,
  StorageOSVolumeSource: '1 volumeName string; 2 volumeNamespace string; 3 fsType string; 4 readOnly bool; 5 secretRef LocalObjectReference',
  HostPathVolumeSource: '1 path string!; 2 type *string',
  EmptyDirVolumeSource: '1 medium string; 2 sizeLimit *Quantity',
  SecretVolumeSource: '1 secretName string; 2 items []KeyToPath; 3 defaultMode *int32; 4 optional *bool',
  ConfigMapVolumeSource: '1 localObjectReference ^LocalObjectReference; 2 items []KeyToPath; 3 defaultMode *int32; 4 optional *bool',
  KeyToPath: '1 key string!; 2 path string!; 3 mode *int32',
  NFSVolumeSource: '1 server string!; 2 path string!; 3 readOnly bool',
  PersistentVolumeClaimVolumeSource: '1 claimName string!; 2 readOnly bool',
  DownwardAPIVolumeSource: '1 items []DownwardAPIVolumeFile; 2 defaultMode *int32',
  DownwardAPIVolumeFile: '1 path string!; 2 fieldRef ObjectFieldSelector; 3 resourceFieldRef ResourceFieldSelector; 4 mode *int32',
  DownwardAPIProjection: '1 items []DownwardAPIVolumeFile',
  ProjectedVolumeSource: '1 sources []VolumeProjection!; 2 defaultMode *int32',
  VolumeProjection: `1 secret SecretProjection; 2 downwardAPI DownwardAPIProjection; 3 configMap ConfigMapProjection;
    4 serviceAccountToken ServiceAccountTokenProjection; 5 clusterTrustBundle ClusterTrustBundleProjection`,
  SecretProjection: '1 localObjectReference ^LocalObjectReference; 2 items []KeyToPath; 4 optional *bool',
  ConfigMapProjection: '1 localObjectReference ^LocalObjectReference; 2 items []KeyToPath; 4 optional *bool',
  ServiceAccountTokenProjection: '1 audience string; 2 expirationSeconds *int64; 3 path string!',
  ClusterTrustBundleProjection: `1 name *string; 2 signerName *string; 3 labelSelector LabelSelector; 5 optional *bool;
    4 path string!`,
  CSIVolumeSource: `1 driver string!; 2 readOnly *bool; 3 fsType *string; 4 volumeAttributes map<string,string>;
    5 nodePublishSecretRef LocalObjectReference`,
  EphemeralVolumeSource: '1 volumeClaimTemplate PersistentVolumeClaimTemplate',
  PersistentVolumeClaimTemplate: '1 metadata ObjectMeta; 2 spec PersistentVolumeClaimSpec!',
  PersistentVolumeClaimSpec: `1 accessModes []string; 4 selector LabelSelector; 2 resources VolumeResourceRequirements;
    3 volumeName string; 5 storageClassName *string; 6 volumeMode *string; 7 dataSource TypedLocalObjectReference;
    8 dataSourceRef TypedObjectReference; 9 volumeAttributesClassName *string`,
  VolumeResourceRequirements: '1 limits map<string,Quantity>; 2 requests map<string,Quantity>',
  ImageVolumeSource: '1 reference string; 2 pullPolicy string',
};

const groups: Record<string, string> = {
  Condition: `1 type string!; 2 status string!; 3 observedGeneration int64; 4 lastTransitionTime Time!;
    5 reason string!; 6 message string!`,
  Deployment: '1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus',
  DeploymentSpec: `1 replicas *int32; 2 selector LabelSelector!; 3 template PodTemplateSpec!; 4 strategy DeploymentStrategy;
    5 minReadySeconds int32; 6 revisionHistoryLimit *int32; 7 paused bool; 9 progressDeadlineSeconds *int32`,
  DeploymentStrategy: '1 type string; 2 rollingUpdate RollingUpdateDeployment',
  RollingUpdateDeployment: '1 maxUnavailable *IntOrString; 2 maxSurge *IntOrString',
  DeploymentStatus: `1 observedGeneration int64; 2 replicas int32; 3 updatedReplicas int32; 7 readyReplicas int32;
    4 availableReplicas int32; 5 unavailableReplicas int32; 9 terminatingReplicas *int32; 6 conditions []DeploymentCondition;
    8 collisionCount *int32`,
  DeploymentCondition: `1 type string!; 2 status string!; 6 lastUpdateTime Time; 7 lastTransitionTime Time;
    4 reason string; 5 message string`,
  Job: '1 metadata ObjectMeta; 2 spec JobSpec; 3 status JobStatus',
  JobSpec: `1 parallelism *int32; 2 completions *int32; 3 activeDeadlineSeconds *int64; 11 podFailurePolicy PodFailurePolicy;
    16 successPolicy SuccessPolicy; 7 backoffLimit *int32; 12 backoffLimitPerIndex *int32; 13 maxFailedIndexes *int32;
    4 selector LabelSelector; 5 manualSelector *bool; 6 template PodTemplateSpec!; 8 ttlSecondsAfterFinished *int32;
    9 completionMode *string; 10 suspend *bool; 14 podReplacementPolicy *string; 15 managedBy *string`,
  PodFailurePolicy: '1 rules []PodFailurePolicyRule!',
  PodFailurePolicyRule: `1 action string!; 2 onExitCodes PodFailurePolicyOnExitCodesRequirement;
    3 onPodConditions []PodFailurePolicyOnPodConditionsPattern`,
  PodFailurePolicyOnExitCodesRequirement: '1 containerName *string; 2 operator string!; 3 values []int32!',
  PodFailurePolicyOnPodConditionsPattern: '1 type string!; 2 status string',
  SuccessPolicy: '1 rules []SuccessPolicyRule!',
  SuccessPolicyRule: '1 succeededIndexes *string; 2 succeededCount *int32',
  JobStatus: `1 conditions []JobCondition; 2 startTime *Time; 3 completionTime *Time; 4 active int32;
    5 succeeded int32; 6 failed int32; 11 terminating *int32; 7 completedIndexes string; 10 failedIndexes *string;
    8 uncountedTerminatedPods UncountedTerminatedPods; 9 ready *int32`,
  JobCondition: `1 type string!; 2 status string!; 3 lastProbeTime Time; 4 lastTransitionTime Time;
    5 reason string; 6 message string`,
  UncountedTerminatedPods: '1 succeeded []string; 2 failed []string',
  CronJob: '1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status CronJobStatus',
  CronJobSpec: `1 schedule string!; 8 timeZone *string; 2 startingDeadlineSeconds *int64; 3 concurrencyPolicy string;
    4 suspend *bool; 5 jobTemplate JobTemplateSpec!; 6 successfulJobsHistoryLimit *int32; 7 failedJobsHistoryLimit *int32`,
  JobTemplateSpec: '1 metadata ObjectMeta; 2 spec JobSpec',
  CronJobStatus: '1 active []ObjectReference; 4 lastScheduleTime *Time; 5 lastSuccessfulTime *Time',
  Role: '1 metadata ObjectMeta; 2 rules []PolicyRule!',
  ClusterRole: '1 metadata ObjectMeta; 2 rules []PolicyRule!; 3 aggregationRule AggregationRule',
  PolicyRule: '1 verbs []string!; 2 apiGroups []string; 3 resources []string; 4 resourceNames []string; 5 nonResourceURLs []string',
  AggregationRule: '1 clusterRoleSelectors []LabelSelector',
  RoleBinding: '1 metadata ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef!',
  ClusterRoleBinding: '1 metadata ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef!',
  Subject: '1 kind string!; 2 apiGroup string; 3 name string!; 4 namespace string',
  RoleRef: '1 apiGroup string!; 2 kind string!; 3 name string!',
  HorizontalPodAutoscaler: '1 metadata ObjectMeta; 2 spec HorizontalPodAutoscalerSpec; 3 status HorizontalPodAutoscalerStatus',
  HorizontalPodAutoscalerSpec: `1 scaleTargetRef CrossVersionObjectReference!; 2 minReplicas *int32; 3 maxReplicas int32!;
    4 targetCPUUtilizationPercentage *int32`,
  CrossVersionObjectReference: '1 kind string!; 2 name string!; 3 apiVersion string',
  HorizontalPodAutoscalerStatus: `1 observedGeneration *int64; 2 lastScaleTime *Time; 3 currentReplicas int32!;
    4 desiredReplicas int32!; 5 currentCPUUtilizationPercentage *int32`,
  PodDisruptionBudget: '1 metadata ObjectMeta; 2 spec PodDisruptionBudgetSpec; 3 status PodDisruptionBudgetStatus',
  PodDisruptionBudgetSpec: `1 minAvailable *IntOrString; 2 selector LabelSelector; 3 maxUnavailable *IntOrString;
    4 unhealthyPodEvictionPolicy *string`,
  PodDisruptionBudgetStatus: `1 observedGeneration int64; 2 disruptedPods map<string,Time>; 3 disruptionsAllowed int32!;
    4 currentHealthy int32!; 5 desiredHealthy int32!; 6 expectedPods int32!; 7 conditions []Condition`,
  PriorityClass: '1 metadata ObjectMeta; 2 value int32!; 3 globalDefault bool; 4 description string; 5 preemptionPolicy *string',
  Ingress: '1 metadata ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus',
  IngressSpec: '4 ingressClassName *string; 1 defaultBackend IngressBackend; 2 tls []IngressTLS; 3 rules []IngressRule',
  IngressBackend: '4 service IngressServiceBackend; 3 resource TypedLocalObjectReference',
  IngressServiceBackend: '1 name string!; 2 port ServiceBackendPort',
  ServiceBackendPort: '1 name string; 2 number int32',
  IngressTLS: '1 hosts []string; 2 secretName string',
  IngressRule: '1 host string; 2 ingressRuleValue ^IngressRuleValue',
  IngressRuleValue: '1 http HTTPIngressRuleValue',
  HTTPIngressRuleValue: '1 paths []HTTPIngressPath!',
  HTTPIngressPath: '1 path string; 3 pathType *string!; 2 backend IngressBackend!',
  IngressStatus: '1 loadBalancer IngressLoadBalancerStatus',
  IngressLoadBalancerStatus: '1 ingress []IngressLoadBalancerIngress',
  IngressLoadBalancerIngress: '1 ip string; 2 hostname string; 4 ports []IngressPortStatus',
  IngressPortStatus: '1 port int32!; 2 protocol string!; 3 error *string',
  TokenRequest: '1 metadata ObjectMeta; 2 spec TokenRequestSpec!; 3 status TokenRequestStatus',
  TokenRequestSpec: '1 audiences []string!; 4 expirationSeconds *int64; 3 boundObjectRef BoundObjectReference',
  BoundObjectReference: '1 kind string; 2 apiVersion string; 3 name string; 4 uid string',
  TokenRequestStatus: '1 token string!; 2 expirationTimestamp Time!',
  SelfSubjectAccessReview: '1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec!; 3 status SubjectAccessReviewStatus',
  SelfSubjectAccessReviewSpec: '1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes',
  ResourceAttributes: `1 namespace string; 2 verb string; 3 group string; 4 version string; 5 resource string;
    6 subresource string; 7 name string; 8 fieldSelector FieldSelectorAttributes; 9 labelSelector LabelSelectorAttributes`,
  FieldSelectorAttributes: '1 rawSelector string; 2 requirements []FieldSelectorRequirement',
  FieldSelectorRequirement: '1 key string!; 2 operator string!; 3 values []string',
  LabelSelectorAttributes: '1 rawSelector string; 2 requirements []LabelSelectorRequirement',
  NonResourceAttributes: '1 path string; 2 verb string',
  SubjectAccessReview: '1 metadata ObjectMeta; 2 spec SubjectAccessReviewSpec!; 3 status SubjectAccessReviewStatus',
  LocalSubjectAccessReview: '1 metadata ObjectMeta; 2 spec SubjectAccessReviewSpec!; 3 status SubjectAccessReviewStatus',
  SubjectAccessReviewSpec: `1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes;
    3 user string; 4 groups []string; 5 extra map<string,ExtraValue>; 6 uid string`,
  ExtraValue: '1 items []string',
  SubjectAccessReviewStatus: '1 allowed bool!; 4 denied bool; 2 reason string; 3 evaluationError string',
  SelfSubjectRulesReview: '1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec!; 3 status SubjectRulesReviewStatus',
  SelfSubjectRulesReviewSpec: '1 namespace string',
  SubjectRulesReviewStatus: '1 resourceRules []ResourceRule!; 2 nonResourceRules []NonResourceRule!; 3 incomplete bool!; 4 evaluationError string',
  ResourceRule: '1 verbs []string!; 2 apiGroups []string; 3 resources []string; 4 resourceNames []string',
  NonResourceRule: '1 verbs []string!; 2 nonResourceURLs []string',
  TokenReview: '1 metadata ObjectMeta; 2 spec TokenReviewSpec!; 3 status TokenReviewStatus',
  TokenReviewSpec: '1 token string; 2 audiences []string',
  TokenReviewStatus: '1 authenticated bool; 2 user UserInfo; 4 audiences []string; 3 error string',
  UserInfo: '1 username string; 2 uid string; 3 groups []string; 4 extra map<string,ExtraValue>',
  SelfSubjectReview: '1 metadata ObjectMeta; 2 status SelfSubjectReviewStatus',
  SelfSubjectReviewStatus: '1 userInfo UserInfo',
  // certificates.k8s.io/v1: `kubectl certificate approve|deny` PUTs the whole object to /approval.
  CertificateSigningRequest: '1 metadata ObjectMeta; 2 spec CertificateSigningRequestSpec!; 3 status CertificateSigningRequestStatus',
  CertificateSigningRequestSpec: `1 request bytes!; 7 signerName string!; 8 expirationSeconds *int32; 5 usages []string;
    2 username string; 3 uid string; 4 groups []string; 6 extra map<string,ExtraValue>`,
  CertificateSigningRequestStatus: '1 conditions []CertificateSigningRequestCondition; 2 certificate bytes',
  CertificateSigningRequestCondition: `1 type string!; 6 status string!; 2 reason string; 3 message string;
    4 lastUpdateTime Time; 5 lastTransitionTime Time`,
};

/** Kinds the decoder accepts, by `apiVersion/kind` of the envelope, mapped to their message. */
export const topLevelKinds: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/Secret': 'Secret',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Service': 'Service',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
};

/** One parsed field of a message table. */
export interface FieldSpec {
  readonly name: string;
  /** Scalar, special or message type name (map value type for maps). */
  readonly type: string;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly pointer: boolean;
  readonly inline: boolean;
  /** Go JSON tag lacks omitempty: zero values and empty collections are emitted. */
  readonly keepEmpty: boolean;
}

const fieldRe = /^(\d+)\s+(\w+)\s+(\S+)$/;

function parseField(text: string): [number, FieldSpec] {
  const m = fieldRe.exec(text.trim());
  if (!m) throw new Error(`bad field spec: ${text}`);
  let t = m[3] ?? '';
  const keepEmpty = t.endsWith('!');
  if (keepEmpty) t = t.slice(0, -1);
  const spec = { name: m[2] ?? '', repeated: false, map: false, pointer: false, inline: false, keepEmpty };
  if (t.startsWith('map<')) return [Number(m[1]), { ...spec, map: true, type: t.slice(t.indexOf(',') + 1, -1) }];
  if (t.startsWith('[]')) return [Number(m[1]), { ...spec, repeated: true, type: t.slice(2) }];
  if (t.startsWith('*')) return [Number(m[1]), { ...spec, pointer: true, type: t.slice(1) }];
  if (t.startsWith('^')) return [Number(m[1]), { ...spec, inline: true, type: t.slice(1) }];
  return [Number(m[1]), { ...spec, type: t }];
}

/** A message table: field number -> spec, in JSON (Go struct) order. */
export type MessageTable = ReadonlyMap<number, FieldSpec>;

function buildTables(): ReadonlyMap<string, MessageTable> {
  const out = new Map<string, MessageTable>();
  for (const [name, text] of Object.entries({ ...meta, ...core, ...groups })) {
    out.set(name, new Map(text.split(';').map(parseField)));
  }
  return out;
}

/** All message tables by message name. */
export const messageTables = buildTables();

/** Scalar protobuf types. */
export const scalarTypes = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);
/** Types with a special JSON form. */
export const specialTypes = new Set(['Time', 'MicroTime', 'IntOrString', 'Quantity', 'FieldsV1']);
