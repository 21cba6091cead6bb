// Validates every object of a multi-document YAML file (kubectl kustomize's output) against the
// Kubernetes API's JSON schemas, as the npm package kubernetes-models generates them: required
// fields, types and allowed values (an unknown field is ManifestsTest's Java check). Prints one line
// per object; exits 1 when any is invalid or of a kind the schemas do not have.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as models from 'kubernetes-models';

let invalid = 0;
for (const document of parseAllDocuments(readFileSync(process.argv[2], 'utf8'))) {
  const object = document.toJS();
  if (!object) {
    continue;
  }
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  // The package names a group in camel case: networking.k8s.io is networkingK8sIo; the core group is v1.
  const groupModels = group === '' ? models : models[group.replace(/\.(\w)/g, (_, c) => c.toUpperCase())];
  const Model = groupModels?.[version]?.[object.kind];
  const name = `${object.kind} ${object.metadata?.name}`;
  if (!Model) {
    invalid++;
    console.log(`${name}: ${object.apiVersion} ${object.kind} is not a kind of the Kubernetes API's schemas`);
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`${name}: valid`);
  } catch (error) {
    invalid++;
    console.log(`${name}: ${error.message}`);
  }
}
process.exit(invalid ? 1 : 0);
