/** The `podtemplates` resource (core/v1). */
import type { PodTemplate } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStrategy } from '../../shared/strategy.js';
import { col, formatLabels, layoutContainerCells, nameColumn, table } from '../../shared/table.js';
import { required } from '../../shared/validation.js';
import { validatePodTemplate } from '../../shared/workload.js';

export const podtemplates: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'podtemplates',
  singular: 'podtemplate',
  kind: 'PodTemplate',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<PodTemplate>({
    trackGeneration: true,
    specFields: ['template'],
    defaults: (t) => defaultPodTemplate(t.template),
    validate: (t) => (t.template ? validatePodTemplate(t.template, 'template') : [required('template')]),
  }),
  table: table(
    [
      nameColumn,
      col('Containers', 'Names of each container in the template.'),
      col('Images', 'Images referenced by each container in the template.'),
      col('Pod Labels', 'The labels for the pod template.'),
    ],
    (o) => {
      const t = o as unknown as PodTemplate;
      const [containers, images] = layoutContainerCells(t.template?.spec?.containers);
      return [o.metadata.name ?? '', containers, images, formatLabels(t.template?.metadata?.labels)];
    },
  ),
};
