import { describe, expect, it } from 'vitest';
import { newEndpoint, newServicePort } from '../__tests__/builders.js';
import { generateRules, type RuleSet, type ServiceEndpoints } from './rules.js';

function lines(rules: RuleSet): { filter: string[]; nat: string[] } {
  return { filter: [...rules.filter.values()].flat(), nat: [...rules.nat.values()].flat() };
}

/** The services of upstream's TestOverallIPTablesRules (pkg/proxy/iptables/proxier_test.go). */
function upstreamScenario(): ServiceEndpoints[] {
  return [
    { port: newServicePort('ns1', 'svc1', '172.30.0.41'), endpoints: [newEndpoint('10.180.0.1')] },
    {
      port: newServicePort('ns2', 'svc2', '172.30.0.42', { externalIPs: ['192.168.99.22'], loadBalancerIPs: ['1.2.3.4'], nodePort: 3001, externalPolicyLocal: true }),
      endpoints: [newEndpoint('10.180.0.2')],
    },
    { port: newServicePort('ns3', 'svc3', '172.30.0.43', { nodePort: 3003 }), endpoints: [newEndpoint('10.180.0.3')] },
    { port: newServicePort('ns4', 'svc4', '172.30.0.44', { externalIPs: ['192.168.99.33'] }), endpoints: [newEndpoint('10.180.0.4'), newEndpoint('10.180.0.5')] },
    {
      port: newServicePort('ns5', 'svc5', '172.30.0.45', { loadBalancerIPs: ['5.6.7.8'], nodePort: 3002, loadBalancerSourceRanges: ['203.0.113.0/25'] }),
      endpoints: [newEndpoint('10.180.0.3')],
    },
    { port: newServicePort('ns6', 'svc6', '172.30.0.46'), endpoints: [] },
  ];
}

describe('generateRules', () => {
  it("produces upstream's rules for its overall scenario", () => {
    const got = lines(generateRules(upstreamScenario(), { clusterCIDR: '10.0.0.0/8' }));
    expect(got.filter.sort()).toEqual(
      [
        '-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT',
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
        '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
      ].sort(),
    );
    expect(got.nat.sort()).toEqual(
      [
        '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
        '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
        '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
        '-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK',
        '-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
        '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
        '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK',
        '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK',
        '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK',
        '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
        '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C',
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
        '-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK',
        '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
        '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
        '-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ',
        '-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK',
        '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
        '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"',
        '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80',
        '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
        '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
        '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80',
        '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
        '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80',
        '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC',
        '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ',
        '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
        '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP',
        '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      ].sort(),
    );
  });

  it('keeps KUBE-SERVICES ordered with the NodePort jump last and one jump per node IP', () => {
    const rules = generateRules(upstreamScenario().slice(0, 1), { nodePortAddresses: ['192.168.56.101'] });
    const svcRules = rules.nat.get('KUBE-SERVICES') ?? [];
    expect(svcRules.at(-1)).toBe(
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.56.101 -j KUBE-NODEPORTS',
    );
  });

  it('spreads over n endpoints with probabilities 1/n, 1/(n-1), ... and a final catch-all', () => {
    const eps = ['10.244.1.2', '10.244.1.3', '10.244.2.2'].map((ip) => newEndpoint(ip));
    const rules = generateRules([{ port: newServicePort('default', 'web', '10.96.0.50', { portName: '' }), endpoints: eps }]);
    const svc = [...rules.nat.entries()].find(([c]) => c.startsWith('KUBE-SVC-'))?.[1] ?? [];
    expect(svc.map((r) => /--probability (\S+)/.exec(r)?.[1] ?? 'last')).toEqual(['0.3333333333', '0.5000000000', 'last']);
    expect(svc[0]).toContain('--comment "default/web -> 10.244.1.2:80"');
  });

  it('adds recent-match affinity rules before the random spread for sessionAffinity ClientIP', () => {
    const sp = newServicePort('default', 'web', '10.96.0.50', { affinityTimeoutSeconds: 10800 });
    const rules = generateRules([{ port: sp, endpoints: [newEndpoint('10.244.1.2'), newEndpoint('10.244.2.2')] }]);
    const [svcChain, svc = []] = [...rules.nat.entries()].find(([c]) => c.startsWith('KUBE-SVC-')) ?? [];
    expect(svcChain).toBeDefined();
    const seps = [...rules.nat.keys()].filter((c) => c.startsWith('KUBE-SEP-'));
    expect(seps).toHaveLength(2);
    expect(svc.slice(0, 2)).toEqual(
      seps.map((sep, i) => `-A ${svcChain} -m comment --comment "default/web:p80 -> 10.244.${i + 1}.2:80" -m recent --name ${sep} --rcheck --seconds 10800 --reap -j ${sep}`),
    );
    expect(rules.nat.get(seps[0] as string)?.[1]).toBe(
      `-A ${seps[0]} -m comment --comment default/web:p80 -m recent --name ${seps[0]} --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80`,
    );
  });

  it('falls back to serving terminating endpoints only when none is ready', () => {
    const sp = newServicePort('default', 'web', '10.96.0.50');
    const terminating = newEndpoint('10.244.1.9', { ready: false, serving: true, terminating: true });
    const gone = newEndpoint('10.244.1.8', { ready: false, serving: false, terminating: true });
    const withReady = lines(generateRules([{ port: sp, endpoints: [terminating, gone, newEndpoint('10.244.1.2')] }]));
    expect(withReady.nat.filter((r) => r.includes('DNAT')).map((r) => r.split(' ').at(-1))).toEqual(['10.244.1.2:80']);
    const onlyTerminating = lines(generateRules([{ port: sp, endpoints: [terminating, gone] }]));
    expect(onlyTerminating.nat.filter((r) => r.includes('DNAT')).map((r) => r.split(' ').at(-1))).toEqual(['10.244.1.9:80']);
  });

  it('drops ClusterIP traffic for internalTrafficPolicy Local without local endpoints', () => {
    const sp = newServicePort('default', 'web', '10.96.0.50', { internalPolicyLocal: true });
    const none = lines(generateRules([{ port: sp, endpoints: [newEndpoint('10.244.2.2')] }]));
    expect(none.filter).toContain('-A KUBE-SERVICES -m comment --comment "default/web:p80 has no local endpoints" -m tcp -p tcp -d 10.96.0.50 --dport 80 -j DROP');
    expect(none.nat.some((r) => r.includes('KUBE-SVL-') || r.includes('DNAT'))).toBe(false);
    const local = generateRules([{ port: sp, endpoints: [newEndpoint('10.244.2.2'), newEndpoint('10.244.1.2', { isLocal: true })] }]);
    const svl = [...local.nat.entries()].find(([c]) => c.startsWith('KUBE-SVL-'))?.[1] ?? [];
    expect(svl.filter((r) => r.includes('-j KUBE-SEP-'))).toHaveLength(1);
    expect(svl.at(-1)).toContain('default/web:p80 -> 10.244.1.2:80');
  });

  it('masquerades all ClusterIP traffic with masqueradeAll', () => {
    const sp = newServicePort('default', 'web', '10.96.0.50');
    const got = lines(generateRules([{ port: sp, endpoints: [newEndpoint('10.244.1.2')] }], { masqueradeAll: true, clusterCIDR: '10.244.0.0/16' }));
    expect(got.nat.filter((r) => r.startsWith('-A KUBE-SVC-') && r.endsWith('-j KUBE-MARK-MASQ'))).toEqual([
      expect.stringMatching(/ -m comment --comment "default\/web:p80 cluster IP" -m tcp -p tcp -d 10\.96\.0\.50 --dport 80 -j KUBE-MARK-MASQ$/),
    ]);
  });

  it('writes UDP services with the udp match', () => {
    const sp = newServicePort('kube-system', 'kube-dns', '10.96.0.10', { portName: 'dns', protocol: 'udp', port: 53 });
    const got = lines(generateRules([{ port: sp, endpoints: [newEndpoint('10.244.0.5', { port: 53 })] }]));
    expect(got.nat).toContain(
      '-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
    );
  });
});
