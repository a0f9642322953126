package diagnose

// Sources cited by fix steps. Seeds are the documents in shared/seeds
// (000: troubleshooting deck, 001: hybrid VPN troubleshooting, 003: P2S
// troubleshooting, 004: VPN Gateway FAQ); "Azure:" names a
// learn.microsoft.com/azure page.
const (
	srcSharedKey   = "seed 000 §5.3 対処法① Shared Key の設定確認"
	srcIKESettings = "seed 000 §5.3 対処法② IPsec/IKE SA の設定再確認"
	srcRecommended = "seed 000 §5.3 対処法③ Azure VPN Gateway 推奨ポリシーへの統一"
	srcPorts       = "seed 000 §5.3 対処法④ 必要ポートの疎通確認 (Firewall / UTM)"
	srcPortsLog    = "seed 000 §5.3 対処法④ ログ (Firewall / UTM) のブロック履歴を確認"

	srcRRASAuth     = `seed 001 (RRAS event 20111: "IKE authentication credentials are unacceptable")`
	srcRRASNoAnswer = `seed 001 (RRAS event 20111 / RasClient 20227 error 809: "the remote server is not responding")`
	srcSharedKeyCLI = "seed 001 (verify the same shared key on both sides: azure network vpn-connection shared-key show)"
	srcGatewayNSG   = "seed 001 (verify that GatewaySubnet is not associated with an NSG)"
	srcVMNSG        = "seed 001 (verify the VMs' NSG rules and guest firewall allow the on-prem ranges; PsPing TCP connect)"
	srcCounters     = "seed 001 (ConnectionStatus Connected with ingress/egress byte counters)"

	srcEffRoutes = "seed 000 §5.5 対処法① Azure VM の「有効なルート」を確認"
	srcReturn    = "seed 000 §5.5 対処法② 戻りルートの確認"
	srcLNGSpace  = "seed 000 §5.5 対処法③ ローカルネットワークゲートウェイのアドレス空間や「0.0.0.0/0」の競合を確認"
	srcBGPCheck  = "seed 000 §5.5 対処法④ BGP 経路の競合の確認 (Azure ASN / BGP ピア IP)"
	srcUDR       = "seed 000 §5.5 対処法⑤ UDR（ユーザー定義ルート）の優先度の確認"

	srcMTU       = "seed 000 §5.6 対処法「MTU 調整」(Azure VPN Gateway の MTU は固定、オンプレミス側を合わせる)"
	srcMTUCause  = "seed 000 §5.6 原因「対向ネットワーク間の MTU のサイズ不足」"
	srcKeepalive = "seed 000 §5.6 対処法「Keepalive 値の調整」"

	srcCertRoot    = "seed 000 §5.4 証明書で認証 ① 登録したルート証明書が正しいか確認"
	srcCertExpiry  = "seed 000 §5.4 証明書で認証 ② ルート、クライアント証明書の有効期限を確認"
	srcCertInstall = "seed 000 §5.4 証明書で認証 ③ クライアント側に正しくインストールされているか確認"
	srcCertReissue = "seed 000 §5.4 証明書で認証 ④ 必要であれば証明書を再発行する"
	srcCertCase    = "seed 000 §5.6 過去の事例 (証明書の有効期限切れ → ルート／クライアント証明書の再生成で解決)"
	srcP2SUntrust  = "seed 003 (エラー 0x80090326: ルート証明書の公開キーが未アップロード、破損または期限切れ)"
	srcP2SChain    = "seed 003 (証明書チェーンは処理されましたが、ルート証明書で停止されました)"

	srcFailover    = "seed 000 §3.2 更新時に起こりやすいこと (フェールオーバーで 10~15 秒程度の瞬断)"
	srcServiceHlth = "seed 000 §3.1 (Azure Service Health: 計画メンテナンス / 事後報告)"
	srcMaintFAQ    = "seed 004 (メンテナンスの事前通知なし、事後に診断ログで確認)"
	srcActive      = "seed 000 §2.4 冗長構成 (Active-Active) を設計する場合の検討事項"

	srcAzDevices = "Azure: vpn-gateway-about-vpn-devices (IPsec/IKE parameters; recommended IKE AES256/SHA256/DH2, IPsec AES256GCM with PFS None)"
	srcAzPolicy  = "Azure: vpn-gateway-vpn-faq (custom IPsec/IKE policy replaces the defaults as initiator and responder)"
	srcAzMSS     = "Azure: vpn-gateway-about-vpn-devices (MSS 1350 / MTU 1400)"
	srcAzFrag    = "Azure: vpn-gateway-vpn-faq (fragmented ESP/tunneled packets are not supported)"
	srcAzBGP     = "Azure: vpn-gateway-vpn-faq (BGP: default ASN 65515; the on-prem ASN must differ from Azure's)"
	srcAzHA      = "Azure: vpn-gateway-highlyavailable (planned failover 10–15 s, unplanned 1–3 min)"
	srcAzDPD     = "Azure: vpn-gateway-vpn-faq (DPD timeout 9–3600 s, default 45, recommended 30–45)"
	srcAzP2SCert = "Azure: point-to-site-certificate-gateway (client certificate chains to an uploaded root, EKU clientAuth 1.3.6.1.5.5.7.3.2, revocation by thumbprint)"
)

// Missing-evidence names used when a whole side is absent.
const (
	missingOnprem = "on-prem device"
	missingAzure  = "Azure side (portal/API/diagnostic logs)"
	missingPath   = "path counters (what the internet/router forwarded)"
	missingProbes = "data-plane probes from the on-prem LAN"
	missingPMTU   = "PMTU probe (largest packet that crosses with DF set)"
	missingTime   = "collection time (CollectedAt)"
)

// What to collect when nothing fits, per side.
const (
	collectDevice = "on-prem device: its IKE log of one connection attempt with debug on (strongSwan: charon log with ike 2; Cisco: debug crypto ikev2; FortiGate: diagnose debug application ike -1) and its SA listing (swanctl --list-sas, show crypto ikev2 sa)"
	collectAzure  = "Azure side: IKEDiagnosticLog and TunnelDiagnosticLog of the window (AzureDiagnostics in Log Analytics) and the connection status (az network vpn-connection show), or a Network Watcher VPN troubleshoot of the connection"
)

// Network Watcher VPN troubleshoot fault ids
// (Azure: network-watcher/vpn-troubleshoot-overview).
const (
	nwAuthentication   = "Authentication"
	nwIkePolicy        = "IkePolicyMismatch"
	nwPeerReachability = "PeerReachability"
	nwMaintenance      = "PlannedMaintenance"
)
