"""Places, projects, sectors and goals of the sample, against a set checked by hand in the text."""

from decimal import Decimal

import pytest

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.extraction.places import short_name

from support import run_cli, shared_plan


@pytest.fixture(scope="module")
def doc():
    return read(sample_plan_path())


# 附件2 地区战略性工程, read by hand: name, investment (亿元), estimated, declared components, listed components.
STRATEGIC = [
    ("库鲁斯台草原生态修复工程", "30.2", False, 3, 0),
    ("准北煤电基地工程", "400", True, None, 0),
    ("互联互通工程", "105.8", False, 7, 7),
    ("医疗服务中心体系建设工程", "12.27", False, 7, 7),
    ("科技服务体系工程", "12.05", False, 4, 4),
    ("环塔综合旅游体系工程", "42.15", False, 16, 16),
    ("城镇体系综合保障工程", "129.7", False, 85, 9),
    ("商贸物流综合体系工程", "25.35", False, 7, 7),
    ("控制性山区水库工程", "23.72", False, 5, 5),  # 以阿不都拉、…、喀拉也木勒等为引领的5座: a count in words
    ("生态安全工程", "20.4", False, None, 0),
]

# 专栏 lines read by hand: (box number, category) -> the projects in the order printed.
BOX_LINES = {
    (11, "公路"): ["G30线乌-奎高速公路改扩建项目", "S201五工台至克拉玛依高速公路沙湾境内段（一级改高速）",
                 "G219线和布克赛尔至阿拉山口公路", "G3015克塔高速公路至托里县和裕民县的连接线",
                 "新建S221线额敏北过境公路", "新建铁厂沟至乌尔禾公路", "改建S101线沙湾境内项目"],
    (11, "铁路"): ["克拉玛依至塔城（巴克图）铁路", "乌苏市、沙湾县火车站升级改造",
                 "第二亚欧大陆桥乌鲁木齐至伊宁高速铁路---乌苏、沙湾高铁站项目"],
    (11, "机场"): ["塔城机场改扩建", "和布克赛尔机场", "乌苏军民合用机场"],
    (11, "管道"): ["塔城盆地天然气管道项目"],
    (6, "纺织服装项目"): ["沙湾20万锭纺纱项目", "60万锭纺纱项目", "10万吨差别化粘胶短纤维生产线项目", "200万套服装项目",
                     "年产5000万双织袜项目", "乌苏市20万锭纺纱项目", "新建50台涡流纺特种纱生产线项目"],
    (6, "新型建材项目"): ["托里工业园金准区年产花岗岩300万平方米石材加工基地", "乌苏市新疆城轩有限公司年10万吨PVC-O新型材料",
                     "乌苏市年产1000公里钢骨架聚乙烯复合管", "沙湾县年产100万件卫生洁具", "乌苏市新疆恒通赛木新型建材"],
    (19, None): ["地区及县（市）老年活动中心", "地区及县（市）老年养护楼", "县（市）日间照料中心", "县（市）乡镇福利中心",
                 "县（市）农村互助幸福院", "县（市）儿童福利指导中心", "县（市）儿童福利机构设备配置",
                 "县（市）流浪儿童救护保护中心", "乌苏市救灾中心库房", "塔城火化场及附属设备", "沙湾县人文纪念园",
                 "县（市）公墓设施建设", "县（市）老人临终关怀中心及设备", "地区精神病人福利机构",
                 "地区及县（市）居家养老服务中心", "县（市）救灾物资储备库"],
}


def box_projects(doc, number, category):
    box = next(b for b in doc.outline.find("box") if b.number == number)
    return [p.name for p in doc.projects if p.container == box.key and p.category == category]


@pytest.mark.parametrize("key", list(BOX_LINES))
def test_box_lines_give_each_project_once(doc, key):
    assert box_projects(doc, *key) == BOX_LINES[key]


def test_strategic_projects(doc):
    found = [(p.name, str(p.investment.value), p.investment_estimated, p.declared_components, len(p.components))
             for p in doc.projects if p.source == "annex"]
    assert found == STRATEGIC
    assert all(p.investment.unit == "亿元" for p in doc.projects if p.source == "annex")


def test_strategic_components(doc):
    by_name = {p.name: p for p in doc.projects if p.source == "annex"}
    medical = [c.name for c in by_name["医疗服务中心体系建设工程"].components]
    assert medical[-1] == "地区医院医技、科技教研综合楼项目"  # 、 inside one name
    links = [c.name for c in by_name["互联互通工程"].components]
    assert links[1] == "巴克图—阿亚古兹等中哈互联互通境外铁路、公路基础设施建设项目申请亚投行资金解决"
    towns = by_name["城镇体系综合保障工程"].components
    assert [(c.name, c.component_count, c.investment.value) for c in towns[:2]] == [
        ("城市供水项目", 7, Decimal("24.4")), ("城市排水项目", 9, Decimal("14.5"))]
    assert sum(c.component_count for c in towns) == 85
    tourism = [c.name for c in by_name["环塔综合旅游体系工程"].components]
    assert "沙湾县天山画廊（鹿角湾景区、温泉景区、东大塘景区、安集海大峡谷）" in tourism


def test_explicit_sectors_win(doc):
    grass = next(p for p in doc.projects if p.name == "库鲁斯台草原生态修复工程" and p.source == "annex")
    assert [(a.sector.label, a.level) for a in grass.sectors] == [
        ("水利", "explicit"), ("林业和草原", "explicit"), ("农业农村", "explicit")]


@pytest.mark.parametrize("name, sector", [
    ("G30线乌-奎高速公路改扩建项目", "交通"), ("和布克赛尔机场", "交通"), ("沙湾20万锭纺纱项目", "工业和信息化"),
    ("白杨河220千伏输变电工程", "电力和能源"), ("地区精神病人福利机构", "民政"), ("哈萨克医诊疗中心", "卫生健康"),
    ("额敏县公安局业务用房建设", "公安和政法"), ("乌苏市污水处理改扩建二期", "住房和城乡建设"),
    ("退耕还林工程", "林业和草原"), ("农村饮水安全工程", "水利"),
])
def test_sector_from_keywords(doc, name, sector):
    project = next(p for p in doc.projects if p.name == name)
    assert sector in [a.sector.label for a in project.sectors]
    assert all(a.words or a.level == "default" for a in project.sectors)


def test_every_project_has_a_sector_and_a_goal_with_evidence(doc):
    everything = [x for p in doc.projects for x in [p] + p.components]
    assert everything
    for p in everything:
        assert p.sectors, p.name
        assert p.goals and p.goals[0].path and p.goals[0].matched, p.name


@pytest.mark.parametrize("name, code", [
    ("乌苏市国际物流园", "654202"),
    ("和布克赛尔机场", "654226"),  # by its short name
    ("和丰30万吨乙二醇", "654226"),  # by the alias 和丰
    ("沙湾20万锭纺纱项目", "654223"),  # 沙湾县 in 2016-2020, not 沙湾市 (2021) nor 沙湾区 (四川)
    ("裕民县巴什拜羊羔肉品加工项目", "654225"),
])
def test_projects_resolve_their_county(doc, name, code):
    project = next(p for p in doc.projects if p.name == name)
    assert code in [m.code for m in project.places]


def test_ambiguous_tacheng_is_resolved_from_context(doc):
    city, prefecture = doc.places["654201"], doc.places["654200"]
    listed = [m for m in city.mentions if m.text == "塔城"]
    assert listed and all("listed with" in m.reason for m in listed)
    bare = [m for m in prefecture.mentions if m.text == "塔城"]
    assert bare and all(m.reason for m in bare)
    # 三板块 …北部塔城-额敏-裕民经济板块: 塔城 listed with counties is the city.
    text = doc.text
    at = text.index("塔城-额敏-裕民")
    assert any(m.start == at for m in city.mentions)


def test_place_mentions_carry_offsets(doc):
    for place in doc.places.values():
        for m in place.mentions:
            assert doc.text[m.start:m.end] == m.text
    assert doc.region.code == "654200"
    counties = {c for c, p in doc.places.items() if p.own_region and p.division.level == "county"}
    assert counties == {"654201", "654202", "654221", "654223", "654224", "654225", "654226"}


def test_short_names():
    assert short_name("和布克赛尔蒙古自治县") == "和布克赛尔"
    assert short_name("博尔塔拉蒙古自治州") == "博尔塔拉"
    assert short_name("新疆维吾尔自治区") == "新疆"
    assert short_name("塔城地区") == "塔城"
    assert short_name("乌苏市") == "乌苏"


def test_goals_of_the_sample(doc):
    titles = [g.title for g in doc.goals]
    assert titles == ["经济保持中高速增长，进一步做大经济总量", "加强民生保障，提高人民生活水平和质量",
                      "增强自我发展能力，推进经济转型升级", "加强资源节约和环境保护，进一步改善生态环境质量",
                      "深化改革、依法治区，进一步维护社会稳定和实现长治久安"]
    measured = {g.title[:4]: {m.indicator.name for m in g.indicators if m.via == "statement"} for g in doc.goals}
    assert {"全区生产总值", "工业增加值"} <= measured["经济保持"]
    assert {"人口自然增长率", "城镇登记失业率"} <= measured["加强民生"]
    assert {"耕地保有量", "森林覆盖率"} <= measured["加强资源"]


@pytest.mark.parametrize("name, goal_start", [
    ("乌苏市、沙湾县准噶尔盆地南缘防沙治沙", "加强资源节约"),
    ("塔城地区丝绸之路经济带教育教研培训中心", "加强民生保障"),
    ("社区日间照料中心", "加强民生保障"),
    ("沙湾20万锭纺纱项目", "经济保持中高速增长"),  # industry serves growth first
])
def test_projects_serve_goals_through_their_headings(doc, name, goal_start):
    project = next(p for p in doc.projects if p.name == name)
    link = project.goals[0]
    assert link.top.title.startswith(goal_start)
    assert link.words and link.path[0] == project.key


def test_other_plans_give_places_projects_and_goals():
    yunnan = read(shared_plan("yunnan-10th.txt"))
    assert yunnan.region.code == "530000"
    assert {"530100", "530300"} <= set(yunnan.places)  # 昆明市, 曲靖市
    assert len(yunnan.goals) == 6 and yunnan.goals[0].title == "经济调控的主要预期目标"
    national = read(shared_plan("national-14th.md"))
    assert national.region is None
    assert {"110000", "810000", "820000"} <= set(national.places)  # 北京市, 香港, 澳门
    assert [g.title for g in national.goals][:2] == ["经济发展取得新成效", "改革开放迈出新步伐"]
    assert all(p.sectors for p in national.projects)


def test_cli_projects_places_goals():
    out = run_cli("projects").stdout.decode()
    assert "库鲁斯台草原生态修复工程" in out and "30.2亿元" in out
    out = run_cli("places").stdout.decode()
    assert "654226  和布克赛尔蒙古自治县 (county)" in out
    res = run_cli("goals", "--projects", "4")
    assert res.returncode == 0 and "because:" in res.stdout.decode()
    res = run_cli("goals", "--projects", "99")
    assert res.returncode == 2 and b"no goal" in res.stderr
